import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CreatesResourceAt } from '../common/http/location.interceptor.js';
import {
  ApiErrors,
  DOWNLOADED_SESSION_SCHEMA,
  SESSION_EVENT_SCHEMA,
  schemaRef,
} from '../openapi/openapi-document.js';
import {
  type DownloadedSession,
  EventBody,
  SessionsPostBody,
  type SessionsPost,
} from './dto/event-bodies.js';
import { SessionsService } from './sessions.service.js';

export const SESSIONS_PATH = '/api/v1/sessions';

export const sessionLocation = (id: string) => `${SESSIONS_PATH}/${id}`;

/** The 201 of a route that creates a session. */
export const ApiSessionCreated = () =>
  ApiResponse({
    status: 201,
    description: 'Created; the body is empty.',
    headers: { Location: { description: '/api/v1/sessions/{sid}', schema: { type: 'string' } } },
  });

const isOfflineSession = (post: SessionsPost): post is DownloadedSession => Array.isArray(post);

@ApiTags('collection')
@Controller(SESSIONS_PATH)
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  /**
   * Starts a session: 201, empty body, `Location: /api/v1/sessions/{sid}` (contract C2). A JSON
   * array is a whole offline session, stored as `POST /api/v1/downloaded` stores it (C7).
   */
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Start a session with a sessionStart event, or upload a whole offline session',
  })
  @ApiBody({ schema: { oneOf: [schemaRef('sessionStart'), schemaRef(DOWNLOADED_SESSION_SCHEMA)] } })
  @ApiSessionCreated()
  @ApiErrors(400, 413, 415)
  @CreatesResourceAt(sessionLocation)
  startSession(@Body() body: SessionsPostBody): Promise<string> {
    const post = body as SessionsPost;
    if (!isOfflineSession(post)) return this.sessions.startSession(post);
    const [start, ...events] = post;
    return this.sessions.storeDownloadedSession(start, events);
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
