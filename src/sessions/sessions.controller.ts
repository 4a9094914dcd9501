import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CreatesResourceAt } from '../common/http/location.interceptor.js';
import { EventBody, SessionStartBody } from './dto/event-bodies.js';
import { SessionsService } from './sessions.service.js';

export const sessionLocation = (id: string) => `/api/v1/sessions/${id}`;

@Controller('api/v1/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  /** Starts a session: 201, empty body, `Location: /api/v1/sessions/{sid}` (contract C2). */
  @Post()
  @HttpCode(201)
  @CreatesResourceAt(sessionLocation)
  startSession(@Body() body: SessionStartBody): Promise<string> {
    return this.sessions.startSession(body);
  }

  /** Records one event: 204; 404 unknown, 410 closed, 429 full (contract C3, C4). */
  @Post(':sid/events')
  @HttpCode(204)
  recordEvent(@Param('sid') sid: string, @Body() body: EventBody): Promise<void> {
    return this.sessions.recordEvent(sid, body);
  }
}
