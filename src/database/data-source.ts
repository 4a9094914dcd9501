import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';

/**
 * For the TypeORM CLI (`npx typeorm -d dist/src/database/data-source.js migration:show`). It needs a
 * running server, so DATABASE_URL must be set; the service itself migrates at start.
 */
const config = loadConfig();
if (!config.databaseUrl) throw new Error('Set DATABASE_URL to use the TypeORM CLI.');

export default new DataSource(dataSourceOptions(config.databaseUrl, 1));
