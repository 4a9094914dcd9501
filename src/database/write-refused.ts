/**
 * A write the service did not make, or could not confirm, in time: the write queue was full, or
 * the request waited longer than its deadline. Either way the client is answered 503 with
 * Retry-After (contract C6); a write that commits after its deadline makes the client's retry a
 * harmless retry (C3).
 */
export class WriteRefused extends Error {
  constructor(readonly reason: 'queue-full' | 'deadline') {
    super(
      reason === 'queue-full'
        ? 'the write queue is full'
        : 'the database did not answer within the request deadline',
    );
    this.name = 'WriteRefused';
  }
}
