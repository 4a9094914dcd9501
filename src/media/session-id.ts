import { randomFillSync } from 'node:crypto';

/** A session id is 256 random bits as 64 lowercase hex characters (contract C2). */
export const SESSION_ID_PATTERN = /^[0-9a-f]{64}$/;

const ID_BYTES = 32;
/** Ids drawn per call into the CSPRNG: one system call serves many session starts. */
const IDS_PER_FILL = 128;
const pool = Buffer.alloc(ID_BYTES * IDS_PER_FILL);
let next = pool.length;

export function newSessionId(): string {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  const id = pool.toString('hex', next, next + ID_BYTES);
  next += ID_BYTES;
  return id;
}
