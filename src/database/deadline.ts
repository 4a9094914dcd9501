import { WriteRefused } from './write-refused.js';

/**
 * The work's outcome, or a `deadline` refusal once `ms` have passed (the work itself goes on; a
 * write that commits after all makes the client's retry a harmless retry, contract C3).
 */
export function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WriteRefused('deadline')), ms);
  });
  // A failure after the deadline has nobody to tell; it must not become an unhandled rejection.
  work.catch(() => undefined);
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
