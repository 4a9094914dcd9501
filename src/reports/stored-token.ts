import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file under DATA_DIR that holds the reporting token the embedded mode made. */
export const TOKEN_FILE = 'reports-api-token';

export const newToken = (): string => randomBytes(24).toString('hex');

/**
 * The reporting token kept in `dataDir`, made (readable by its owner only) on the first start:
 * the embedded mode's data survives a restart, and so does the token that reads it.
 */
export function storedToken(dataDir: string): { token: string; file: string; made: boolean } {
  const file = join(dataDir, TOKEN_FILE);
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= 16) return { token, file, made: false };
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
  }
  const token = newToken();
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, file, made: true };
}
