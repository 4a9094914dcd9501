import type pg from 'pg';

/** A session row as stored (the id as hex), for assertions about what the service wrote. */
export interface StoredSession {
  id: string;
  created_at: Date;
  report_suite: string;
  media_id: string;
  content_type: string;
  media_length: number;
  params: Record<string, unknown>;
  downloaded: boolean;
  closed_at: Date | null;
  close_reason: string | null;
  last_event_at: Date;
  last_playhead: number;
  playhead_moved_at: Date;
  event_count: number;
}

/** An event row as stored. */
export interface StoredEvent {
  seq: number;
  event_type: string;
  ts: string;
  playhead: number;
  params: Record<string, unknown> | null;
  qoe_data: Record<string, unknown> | null;
  custom_metadata: Record<string, unknown> | null;
  received_at: Date;
}

export async function storedSession(db: pg.Pool, sid: string): Promise<StoredSession | undefined> {
  const { rows } = await db.query<StoredSession>(
    `SELECT encode(id, 'hex') AS id, created_at, report_suite, media_id, content_type, media_length,
            params, downloaded, closed_at, close_reason, last_event_at, last_playhead,
            playhead_moved_at, event_count
       FROM sessions WHERE id = decode($1, 'hex')`,
    [sid],
  );
  return rows[0];
}

/** A session's stored events in arrival (seq) order. */
export async function storedEvents(db: pg.Pool, sid: string): Promise<StoredEvent[]> {
  const { rows } = await db.query<StoredEvent>(
    `SELECT seq, event_type, ts, playhead, params, qoe_data, custom_metadata, received_at
       FROM session_events WHERE session_id = decode($1, 'hex') ORDER BY seq`,
    [sid],
  );
  return rows;
}
