/**
 * A session's storage key: the first 8 bytes of its id as a signed bigint (the SQL function
 * `session_key`), as pg text. Every statement about one session names it, so that a table
 * distributed by the key finds the session's shard from the statement alone.
 */
export function sessionKey(id: string): string {
  return Buffer.from(id.slice(0, 16), 'hex').readBigInt64BE(0).toString();
}
