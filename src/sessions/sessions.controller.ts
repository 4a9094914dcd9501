import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CreatesResourceAt } from '../common/http/location.interceptor.js';
import { ApiErrors, SESSION_EVENT_SCHEMA, schemaRef } from '../openapi/openapi-document.js';
import { EventBody, SessionStartBody } from './dto/event-bodies.js';
import { SessionsService } from './sessions.service.js';

export const sessionLocation = (id: string) => `/api/v1/sessions/${id}`;

/** The 201 of a route that creates a session. */
export const ApiSessionCreated = () =>
  ApiResponse({
    status: 201,
    description: 'Created; the body is empty.',
    headers: { Location: { description: '/api/v1/sessions/{sid}', schema: { type: 'string' } } },
  });

@ApiTags('collection')
@Controller('api/v1/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  /** Starts a session: 201, empty body, `Location: /api/v1/sessions/{sid}` (contract C2). */
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Start a session with a sessionStart event' })
  @ApiBody({ schema: schemaRef('sessionStart') })
  @ApiSessionCreated()
  @ApiErrors(400, 413, 415)
  @CreatesResourceAt(sessionLocation)
  startSession(@Body() body: SessionStartBody): Promise<string> {
    return this.sessions.startSession(body);
  }

  /** Records one event: 204; 404 unknown, 410 closed, 429 full (contract C3, C4). */
  @Post(':sid/events')
  @HttpCode(204)
  @ApiOperation({ summary: 'Send one event of an open session' })
  @ApiParam({ name: 'sid', description: 'The session id from the Location of its start' })
  @ApiBody({ schema: schemaRef(SESSION_EVENT_SCHEMA) })
  @ApiResponse({ status: 204, description: 'Stored (or a retry of a stored event).' })
  @ApiErrors(400, 404, 410, 413, 415, 429)
  recordEvent(@Param('sid') sid: string, @Body() body: EventBody): Promise<void> {
    return this.sessions.recordEvent(sid, body);
  }
}
