import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOKEN_FILE, storedToken } from '../../src/reports/stored-token.js';

describe('the reporting token the embedded mode keeps under DATA_DIR', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mca-token-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is made on the first start, readable by its owner only, and the same on the next', async () => {
    const dataDir = join(dir, 'data');
    const first = storedToken(dataDir);
    expect(first).toMatchObject({ file: join(dataDir, TOKEN_FILE), made: true });
    expect(first.token).toMatch(/^[0-9a-f]{48}$/);
    expect((await stat(first.file)).mode & 0o777).toBe(0o600);
    expect(await readFile(first.file, 'utf8')).toBe(`${first.token}\n`);
    expect(storedToken(dataDir)).toEqual({ ...first, made: false });
  });

  it('a token an operator wrote there is used as written; one too short is replaced', async () => {
    await writeFile(join(dir, TOKEN_FILE), '  chosen-by-the-operator-1234\n');
    expect(storedToken(dir)).toMatchObject({ token: 'chosen-by-the-operator-1234', made: false });
    await writeFile(join(dir, TOKEN_FILE), 'short\n');
    const replaced = storedToken(dir);
    expect(replaced.made).toBe(true);
    expect(replaced.token).toMatch(/^[0-9a-f]{48}$/);
  });
});
