import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CreatesResourceAt } from '../common/http/location.interceptor.js';
import { DownloadedSessionBody, type DownloadedSession } from './dto/event-bodies.js';
import { ApiErrors, DOWNLOADED_SESSION_SCHEMA, schemaRef } from '../openapi/openapi-document.js';
import { ApiSessionCreated, sessionLocation } from './sessions.controller.js';
import { SessionsService } from './sessions.service.js';

export const DOWNLOADED_PATH = '/api/v1/downloaded';

@ApiTags('collection')
@Controller(DOWNLOADED_PATH)
export class DownloadedController {
  constructor(private readonly sessions: SessionsService) {}

  /** A whole offline session, all or nothing: 201 with its Location, stored closed (contract C7). */
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Upload one whole offline session' })
  @ApiBody({ schema: schemaRef(DOWNLOADED_SESSION_SCHEMA) })
  @ApiSessionCreated()
  @ApiErrors(400, 413, 415)
  @CreatesResourceAt(sessionLocation)
  storeDownloadedSession(@Body() body: DownloadedSessionBody): Promise<string> {
    const [start, ...events] = body as unknown as DownloadedSession;
    return this.sessions.storeDownloadedSession(start, events);
  }
}
