import { Injectable, Module } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { SqlPool } from '../../src/database/sql-pool.js';
import { SessionLifecycle } from '../../src/lifecycle/lifecycle.js';
import { type LifecycleStatement } from '../../src/lifecycle/lifecycle-sql.js';
import { byKey } from '../support/stored-rows.js';
import { type StoredEvent } from '../../src/sessions/session-reads.js';
import { SessionsModule } from '../../src/sessions/sessions.module.js';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import { aSessionStart, anEvent } from '../support/factories.js';
import { post, sessionIdFrom } from '../support/http.js';
import { useTestApp } from '../support/test-app.js';

/** A module of someone else's: it knows the published seam and nothing of our repositories. */
@Injectable()
class WatchersOfMedia {
  private readonly liveForMedia: LifecycleStatement;

  constructor(
    readonly sessions: SessionsService,
    private readonly sql: SqlPool,
    lifecycle: SessionLifecycle,
  ) {
    this.liveForMedia = lifecycle.statement(
      1,
      (l) => `SELECT count(*)::int AS n FROM sessions s WHERE ${l.live('s')} AND s.media_id = $1`,
    );
  }

  async watching(mediaId: string): Promise<number> {
    const [row] = await this.sql.rows<{ n: number }>(
      this.liveForMedia.text,
      this.liveForMedia.values([mediaId]),
    );
    return row.n;
  }
}

@Module({ imports: [SessionsModule], providers: [WatchersOfMedia] })
class WatchersModule {}

describe('the published seam: a module of its own lists live sessions and reads events (C4)', () => {
  const sut = useTestApp({}, [WatchersModule]);
  const watchers = () => sut.app.get(WatchersOfMedia);

  async function start(mediaId: string): Promise<string> {
    return sessionIdFrom(
      await post(
        sut.baseUrl,
        '/api/v1/sessions',
        aSessionStart({ params: { 'media.id': mediaId } }),
      ),
    );
  }
  const send = (sid: string, type: string, ts: number, playhead: number) =>
    post(
      sut.baseUrl,
      `/api/v1/sessions/${sid}/events`,
      anEvent(type, { playerTime: { ts, playhead } }),
    );

  it('lists live sessions in key order, page by page, without the ended one, with their state', async () => {
    const media = `seam-${Date.now()}`;
    const ids = [await start(media), await start(media), await start(media)];
    expect((await send(ids[0], 'play', 2_000, 0)).status).toBe(204);
    expect((await send(ids[2], 'sessionEnd', 2_000, 0)).status).toBe(204);

    const listed: Array<{ id: string; state: string; mediaId: string; events: number }> = [];
    for (let after = ''; ;) {
      const page = await watchers().sessions.openSessions(after, 1);
      if (page.length === 0) break;
      expect(page).toHaveLength(1);
      listed.push(...page);
      after = page[0].id;
    }
    const ours = listed.filter((s) => s.mediaId === media);
    expect(ours.map((s) => s.id)).toEqual([ids[0], ids[1]].sort(byKey));
    expect(Object.fromEntries(ours.map((s) => [s.id, [s.state, s.events]]))).toEqual({
      [ids[0]]: ['playing', 2],
      [ids[1]]: ['starting', 1],
    });
    expect(listed.map((s) => s.id)).toEqual([...listed.map((s) => s.id)].sort(byKey));
    expect(await watchers().watching(media)).toBe(2);
  });

  it("reads a session's events in arrival order across pages, with their members", async () => {
    const sid = await start(`seam-events-${Date.now()}`);
    for (const [i, type] of ['play', 'ping', 'pauseStart', 'play', 'ping'].entries()) {
      expect((await send(sid, type, 2_000 + i * 1_000, i)).status).toBe(204);
    }
    const events: StoredEvent[] = [];
    for await (const event of watchers().sessions.sessionEvents(sid, 2)) events.push(event);
    expect(events.map((e) => [e.seq, e.eventType, e.ts, e.playhead])).toEqual([
      [1, 'sessionStart', expect.any(Number), 0],
      [2, 'play', 2_000, 0],
      [3, 'ping', 3_000, 1],
      [4, 'pauseStart', 4_000, 2],
      [5, 'play', 5_000, 3],
      [6, 'ping', 6_000, 4],
    ]);
    expect(String(events[0].params?.['media.id'])).toMatch(/^seam-events-/);
    expect(events[1].params).toBeNull();
    expect(events.every((e) => e.receivedAt instanceof Date)).toBe(true);
  });

  it('refuses an id that is not one, and a statement given the wrong number of its own values', async () => {
    await expect(watchers().sessions.openSessions('not-an-id')).rejects.toMatchObject({
      status: 404,
    });
    const iterator = watchers().sessions.sessionEvents('zz');
    await expect(iterator.next()).rejects.toMatchObject({ status: 404 });
    const statement = sut.app
      .get(SessionLifecycle)
      .statement(1, (l) => `SELECT 1 FROM sessions s WHERE ${l.live('s')} AND s.media_id = $1`);
    expect(() => statement.values([])).toThrow('the statement takes 1 values of its own, not 0');
  });
});
