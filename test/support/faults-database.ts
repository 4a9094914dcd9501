import { afterAll } from 'vitest';
import { scratchDatabase } from './scratch-database.js';

/**
 * Each fault scenario file gets a database of its own on the suite's server, dropped (its
 * connections ended) when the file is done: a query a failed scenario leaves running, or a lock
 * it leaves held, cannot stall the scenarios after it.
 */
const database = scratchDatabase('faults');
await database.create();
afterAll(() => database.drop());

/** The database of the fault scenario file being run. */
export function faultsDatabaseUrl(): string {
  return database.url;
}
