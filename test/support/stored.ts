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
    `SELECT encode(s.id, 'hex') AS id, s.created_at, s.report_suite, s.media_id, s.content_type,
            s.media_length, p.params, s.downloaded, s.closed_at, s.close_reason, s.last_event_at,
            s.last_playhead, s.playhead_moved_at, s.event_count
       FROM sessions s LEFT JOIN session_params p ON p.session_key = s.key
      WHERE s.id = decode($1, 'hex')`,
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
