import { describe, expect, it } from 'vitest';
import { aSessionStart } from '../support/factories.js';
import { post, sessionIdFrom } from '../support/http.js';
import { useTestApp } from '../support/test-app.js';

describe('POST /api/v1/sessions', () => {
  const sut = useTestApp();

  it('C2: the seed body gets 201, an empty body and a Location with a 64-hex sid', async () => {
    const res = await post(sut.baseUrl, '/api/v1/sessions', aSessionStart());
    expect(res.status).toBe(201);
    expect(res.text).toBe('');
    expect(res.headers.get('content-length')).toBe('0');
    expect(res.headers.get('location')).toMatch(/^\/api\/v1\/sessions\/[0-9a-f]{64}$/);
  });

  it('C2: the session and its sessionStart event are stored before the 201', async () => {
    const body = aSessionStart({ params: { 'custom.unknown': { nested: true } } });
    const sid = sessionIdFrom(await post(sut.baseUrl, '/api/v1/sessions', body));
    const { rows } = await sut.db.query(
      `SELECT s.media_id, s.report_suite, s.content_type, s.media_length, p.params, s.closed_at,
              e.seq, e.event_type, e.ts, e.playhead, e.qoe_data, e.custom_metadata
         FROM sessions s JOIN session_params p ON p.session_key = s.key
         JOIN session_events e ON e.session_id = s.id WHERE s.id = decode($1, 'hex')`,
      [sid],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      media_id: 'MA API Sample Player',
      report_suite: '<your-aa-rsid>',
      content_type: 'VOD',
      media_length: 60.39333333333333,
      params: body.params,
      closed_at: null,
      seq: 1,
      event_type: 'sessionStart',
      ts: '1509045324153',
      playhead: 0,
      qoe_data: body.qoeData,
      custom_metadata: body.customMetadata,
    });
  });

  it('C1: a 400 stores nothing', async () => {
    const res = await post(sut.baseUrl, '/api/v1/sessions', aSessionStart({ body: { extra: 1 } }));
    expect(res.status).toBe(400);
    const { rows } = await sut.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions');
    expect(rows[0]?.n).toBe(0);
  });
});
