import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/media/event-catalogue.js';
import { exampleBody } from '../../src/media/event-examples.js';
import { request } from '../support/http.js';
import { useTestApp } from '../support/test-app.js';

describe('OpenAPI document and JSON Schemas', () => {
  const sut = useTestApp();

  it('the committed openapi.json is the document the code serves (run `npm run openapi` after a change)', async () => {
    const committed: unknown = JSON.parse(
      await readFile(join(import.meta.dirname, '..', '..', 'openapi.json'), 'utf8'),
    );
    const served = await request(sut.baseUrl, 'GET', '/docs-json');
    expect(served.status).toBe(200);
    expect(served.json()).toEqual(committed);
  });

  it('the document names every collection route and every event schema', async () => {
    const document = (await request(sut.baseUrl, 'GET', '/docs-json')).json<{
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    }>();
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/sessions',
        '/api/v1/sessions/{sid}/events',
        '/api/v1/downloaded',
        '/api/v1/schemas/{eventType}',
      ]),
    );
    for (const type of EVENT_TYPES) expect(document.components.schemas).toHaveProperty(type);
  });

  it("every event schema carries the catalogue's example body; the health examples name this service's indicator", async () => {
    const served = await request(sut.baseUrl, 'GET', '/docs-json');
    const document = served.json<{
      components: { schemas: Record<string, { examples?: unknown[] }> };
    }>();
    for (const type of EVENT_TYPES) {
      expect(document.components.schemas[type]?.examples, type).toEqual([exampleBody(type)]);
    }
    expect(served.text).not.toContain('redis');
    expect(served.text).toContain('"database"');
  });

  it('/docs renders: the Swagger UI page and its script are served', async () => {
    const page = await request(sut.baseUrl, 'GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('swagger-ui');
    const script = /src="\.?\/?([^"]*swagger-ui-bundle\.js)"/.exec(page.text)?.[1];
    expect(script).toBeDefined();
    const bundle = await request(sut.baseUrl, 'GET', `/docs/${script!.replace(/^docs\//, '')}`);
    expect(bundle.status).toBe(200);
    expect(bundle.text.length).toBeGreaterThan(100_000);
  });

  it('C3: GET /api/v1/schemas/adStart shows the required media.ad.* params', async () => {
    const res = await request(sut.baseUrl, 'GET', '/api/v1/schemas/adStart');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const schema = res.json<{ properties: { params: { required: string[] } } }>();
    expect(schema.properties.params.required).toEqual([
      'media.ad.id',
      'media.ad.length',
      'media.ad.podPosition',
      'media.ad.playerName',
    ]);
  });

  it('C3: GET /api/v1/schemas for an unknown event type is 404 with the envelope', async () => {
    const res = await request(sut.baseUrl, 'GET', '/api/v1/schemas/seekStart');
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({
      statusCode: 404,
      requestId: res.headers.get('x-request-id'),
    });
  });
});
