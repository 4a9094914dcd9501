import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { createApp } from '../app.factory.js';
import { loadConfig } from '../config/app-config.js';
import { buildOpenApiDocument } from './openapi-document.js';

/** `npm run openapi`: writes openapi.json from the code, without a database. */
const app = await createApp(loadConfig({}), {
  preview: true,
  logger: { log() {}, error() {}, warn() {} },
});
const document = buildOpenApiDocument(app);
await writeFile('openapi.json', `${JSON.stringify(document, null, 2)}\n`);
await app.close();
