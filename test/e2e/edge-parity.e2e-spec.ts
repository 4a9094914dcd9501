import { describe, expect, it } from 'vitest';
import { T0, edgeClient } from '../support/edge.js';
import { post, request, sessionIdFrom } from '../support/http.js';
import {
  STORY,
  edgeMediaCollection,
  edgeStartMediaCollection,
  mcaBody,
  mcaStart,
} from '../support/media-story.js';
import { withoutArrivalFields } from '../support/replay.js';
import { useTestApp } from '../support/test-app.js';

const TOKEN = 'e2e-edge-parity-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };

async function reportOf(baseUrl: string, sid: string): Promise<Record<string, unknown>> {
  const res = await request(baseUrl, 'GET', `/api/v1/reports/sessions/${sid}`, AUTH);
  expect(res.status, res.text).toBe(200);
  return res.json();
}

describe('C10, C5: one engine: the same story in either wire format gives the same report', () => {
  const sut = useTestApp({ REPORTS_API_TOKEN: TOKEN, RATE_LIMIT_PER_SECOND: '0' });
  const edge = edgeClient(() => sut.baseUrl);

  it('C10: an MCA session and an Edge session of the same story report the same figures, and say which wire format they came in', async () => {
    const started = await post(sut.baseUrl, '/api/v1/sessions', mcaStart(T0));
    expect(started.status).toBe(201);
    const mcaSid = sessionIdFrom(started);
    for (const step of STORY) {
      const res = await post(sut.baseUrl, `/api/v1/sessions/${mcaSid}/events`, mcaBody(step, T0));
      expect(res.status, `${step.name}: ${res.text}`).toBe(204);
    }
    const edgeSid = await edge.start(edgeStartMediaCollection(), T0);
    for (const step of STORY)
      await edge.send(edgeSid, step.name, edgeMediaCollection(step), T0 + step.at);

    const mca = await reportOf(sut.baseUrl, mcaSid);
    const viaEdge = await reportOf(sut.baseUrl, edgeSid);
    expect(mca.wireFormat).toBe('mca');
    expect(mca.configId).toBeNull();
    expect(viaEdge.wireFormat).toBe('edge');
    expect(viaEdge.configId).toBe('7b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0');
    const figures = (report: Record<string, unknown>) => {
      const { wireFormat: _w, configId: _c, ...rest } = withoutArrivalFields(report);
      return rest;
    };
    expect(figures(viaEdge)).toEqual(figures(mca));
    // The story's figures, so that two equally wrong reports cannot pass.
    expect(mca.closeReason).toBe('end');
    expect(mca.contentCompleted).toBe(true);
    expect((mca.ads as { starts: number }).starts).toBe(1);
    expect((mca.chapters as { starts: number }).starts).toBe(2);
    expect((mca.errors as { count: number }).count).toBe(1);

    // Sessions start when they arrive: the last 24 h, the summary's default, hold both.
    const summary = await request(
      sut.baseUrl,
      'GET',
      '/api/v1/reports/summary?groupBy=wireFormat',
      AUTH,
    );
    expect(summary.status, summary.text).toBe(200);
    const rows =
      summary.json<Array<{ key: string; mediaStarts: number; contentTimeSpent: number }>>();
    expect(rows.map((r) => r.key).sort()).toEqual(['edge', 'mca']);
    const [a, b] = rows;
    expect(a.mediaStarts).toBe(1);
    expect(a.contentTimeSpent).toBe(b.contentTimeSpent);
  });
});
