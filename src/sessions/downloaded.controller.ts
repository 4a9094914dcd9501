import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CreatesResourceAt } from '../common/http/location.interceptor.js';
import { DownloadedSessionBody, type DownloadedSession } from './dto/event-bodies.js';
import { sessionLocation } from './sessions.controller.js';
import { SessionsService } from './sessions.service.js';

@Controller('api/v1/downloaded')
export class DownloadedController {
  constructor(private readonly sessions: SessionsService) {}

  /** A whole offline session, all or nothing: 201 with its Location, stored closed (contract C7). */
  @Post()
  @HttpCode(201)
  @CreatesResourceAt(sessionLocation)
  storeDownloadedSession(@Body() body: DownloadedSessionBody): Promise<string> {
    const [start, ...events] = body as unknown as DownloadedSession;
    return this.sessions.storeDownloadedSession(start, events);
  }
}
