import { describe, expect, it } from 'vitest';
import { countRows, expectCorsHeaders, expectErrorEnvelope } from '../support/contract.js';
import { aSessionStart } from '../support/factories.js';
import { post, request } from '../support/http.js';
import { useTestApp } from '../support/test-app.js';

const SESSIONS = '/api/v1/sessions';

/** A valid sessionStart of about `bytes` bytes, padded in a customMetadata value. */
function sessionStartOfSize(bytes: number): Record<string, unknown> {
  const base = JSON.stringify(aSessionStart({ body: { customMetadata: { padding: '' } } })).length;
  return aSessionStart({ body: { customMetadata: { padding: 'x'.repeat(bytes - base) } } });
}

describe('C8: configuration observable in-process', () => {
  describe('BODY_LIMIT_BYTES=2048', () => {
    const sut = useTestApp({ BODY_LIMIT_BYTES: '2048' });

    it('C8: the body size limit is configurable: a 3 KB body is 413', async () => {
      const body = sessionStartOfSize(3 * 1024);
      expect(JSON.stringify(body).length).toBe(3 * 1024);
      const res = await post(sut.baseUrl, SESSIONS, body);
      expectErrorEnvelope(res, 413);
      expectCorsHeaders(res.headers);
      expect(await countRows(sut.db, 'sessions')).toBe(0);
    });

    it('C8: under the configured limit a body is accepted (a 1.5 KB body is 201)', async () => {
      const body = sessionStartOfSize(1536);
      expect(JSON.stringify(body).length).toBe(1536);
      expect((await post(sut.baseUrl, SESSIONS, body)).status).toBe(201);
      expect(await countRows(sut.db, 'sessions')).toBe(1);
    });
  });

  describe('defaults and health', () => {
    const sut = useTestApp();

    it('C8: by default the same 3 KB body is accepted (the limit is 64 KiB)', async () => {
      const res = await post(sut.baseUrl, SESSIONS, sessionStartOfSize(3 * 1024));
      expect(res.status).toBe(201);
    });

    it('C8: GET /health is 200 (liveness)', async () => {
      const res = await request(sut.baseUrl, 'GET', '/health');
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ status: 'ok' });
    });

    it('C8: GET /health/ready is 200 with the database up', async () => {
      const res = await request(sut.baseUrl, 'GET', '/health/ready');
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
    });
  });
});
