import { randomBytes } from 'node:crypto';

/** A session id is 256 random bits as 64 lowercase hex characters (contract C2). */
export const SESSION_ID_PATTERN = /^[0-9a-f]{64}$/;

export function newSessionId(): string {
  return randomBytes(32).toString('hex');
}
