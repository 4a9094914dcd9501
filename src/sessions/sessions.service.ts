import { Injectable } from '@nestjs/common';
import { newSessionId } from '../media/session-id.js';
import { type SessionStartBody } from './dto/event-bodies.js';
import { SessionsRepository } from './sessions.repository.js';

@Injectable()
export class SessionsService {
  constructor(private readonly sessions: SessionsRepository) {}

  /** Stores a validated sessionStart durably and returns the new session's id (contract C2). */
  async startSession(body: SessionStartBody): Promise<string> {
    const id = newSessionId();
    await this.sessions.createSession({
      id,
      reportSuite: body.params['analytics.reportSuite'],
      mediaId: body.params['media.id'],
      contentType: body.params['media.contentType'],
      mediaLength: body.params['media.length'],
      params: body.params,
      ts: body.playerTime.ts,
      playhead: body.playerTime.playhead,
      qoeData: body.qoeData,
      customMetadata: body.customMetadata,
    });
    return id;
  }
}
