import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CreatesResourceAt } from '../common/http/location.interceptor.js';
import { SessionStartBody } from './dto/event-bodies.js';
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
}
