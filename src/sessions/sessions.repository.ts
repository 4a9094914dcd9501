import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** What the service stores when a session starts: the session and its first event. */
export interface NewSession {
  readonly id: string;
  readonly reportSuite: string;
  readonly mediaId: string;
  readonly contentType: string;
  readonly mediaLength: number;
  readonly params: Record<string, unknown>;
  readonly ts: number;
  readonly playhead: number;
  readonly qoeData: Record<string, unknown> | undefined;
  readonly customMetadata: Record<string, unknown> | undefined;
}

export interface StoredSession {
  readonly id: string;
  readonly createdAt: Date;
  readonly reportSuite: string;
  readonly mediaId: string;
  readonly contentType: string;
  readonly mediaLength: number;
  readonly params: Record<string, unknown>;
  readonly closedAt: Date | null;
  readonly closeReason: string | null;
  readonly eventCount: number;
}

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
const idBytes = (hex: string) => Buffer.from(hex, 'hex');

/** Owns the SQL of sessions and their events. */
@Injectable()
export class SessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The session row and its sessionStart event in one statement, so both commit together or
   * neither does, in one round trip.
   */
  async createSession(session: NewSession): Promise<void> {
    await this.dataSource.query(
      `WITH session AS (
         INSERT INTO sessions (id, report_suite, media_id, content_type, media_length, params, last_playhead)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
         RETURNING id, created_at
       )
       INSERT INTO events (session_id, seq, event_type, ts, playhead, params, qoe_data, custom_metadata, received_at)
       SELECT id, 1, 'sessionStart', $8, $7, $6::jsonb, $9::jsonb, $10::jsonb, created_at FROM session`,
      [
        idBytes(session.id),
        session.reportSuite,
        session.mediaId,
        session.contentType,
        session.mediaLength,
        json(session.params),
        session.playhead,
        session.ts,
        json(session.qoeData),
        json(session.customMetadata),
      ],
    );
  }

  async findSession(id: string): Promise<StoredSession | undefined> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT encode(id, 'hex') AS id, created_at, report_suite, media_id, content_type, media_length,
              params, closed_at, close_reason, event_count
         FROM sessions WHERE id = $1`,
      [idBytes(id)],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: row.id as string,
      createdAt: row.created_at as Date,
      reportSuite: row.report_suite as string,
      mediaId: row.media_id as string,
      contentType: row.content_type as string,
      mediaLength: row.media_length as number,
      params: row.params as Record<string, unknown>,
      closedAt: row.closed_at as Date | null,
      closeReason: row.close_reason as string | null,
      eventCount: row.event_count as number,
    };
  }
}
