import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { inject } from 'vitest';
import { dataSourceOptions } from '../../src/database/data-source-options.js';

/** A database of its own on the suite's server, for tests that migrate by hand. */
export interface ScratchDatabase {
  readonly url: string;
  create(): Promise<void>;
  drop(): Promise<void>;
}

export function scratchDatabase(prefix: string): ScratchDatabase {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const serverUrl = new URL(inject('databaseUrl'));
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    url: Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString(),
    create: () => admin(`CREATE DATABASE ${name}`),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** A data source on `url` that knows only `migrations`. */
export async function migrator(
  url: string,
  migrations: DataSource['options']['migrations'],
): Promise<DataSource> {
  const source = new DataSource({ ...dataSourceOptions(url, 1), migrations });
  await source.initialize();
  return source;
}
