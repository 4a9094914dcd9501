import { Body, Header, Headers, HttpCode, Options, Param, Post, Query, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiExcludeEndpoint,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { type FastifyRequest } from 'fastify';
import { PREFLIGHT_MAX_AGE_SECONDS } from '../common/http/preflight.controller.js';
import { schemaRef } from '../openapi/openapi-document.js';
import { ApiEdgeAnswer, ApiEdgeProblems } from './edge-openapi.js';
import { EDGE_EVENTS, type EdgeEventName } from './xdm-fields.js';
import { edgeSchemaName } from './xdm-schema.js';
import { EDGE_PATHS } from './edge-routes.js';
import { type EdgeAnswer, type EdgeQuery, EdgeService } from './edge.service.js';

/**
 * The Media Edge API (contract C10) below `EDGE_BASE_PATH`: Adobe's `va/v1` paths, and the Web
 * SDK's `v1/interact` and `v1/collect` (a location-hint segment before them is taken off before
 * routing, see edge-routes.ts).
 */
/** Every va/v1 path but a start and a whole offline session. */
const EDGE_EVENT_PATHS = (Object.keys(EDGE_EVENTS) as EdgeEventName[]).filter(
  (name) => name !== 'sessionStart',
);

/** Its path, `EDGE_BASE_PATH`, is set by EdgeModule on a class of its own. */
@ApiTags('media-edge')
export class EdgeController {
  constructor(private readonly edge: EdgeService) {}

  @Post(EDGE_PATHS.sessionStart)
  @HttpCode(200)
  @ApiOperation({ summary: 'Start a session (Media Edge API)' })
  @ApiQuery({ name: 'configId', required: true, description: 'The datastream id' })
  @ApiQuery({ name: 'requestId', required: false, description: 'A retry repeats it' })
  @ApiBody({ schema: schemaRef(edgeSchemaName('sessionStart')) })
  @ApiEdgeAnswer('The new session, in a media-analytics:new-session handle.')
  @ApiEdgeProblems(400, 413, 415, 429, 503)
  startSession(
    @Body() body: unknown,
    @Query() query: EdgeQuery,
    @Req() request: FastifyRequest,
  ): Promise<EdgeAnswer> {
    return this.edge.startSession(body, query, request.id);
  }

  @Post(EDGE_PATHS.downloaded)
  @HttpCode(200)
  @ApiOperation({ summary: 'Upload whole offline sessions (Media Edge API)' })
  @ApiQuery({ name: 'configId', required: true, description: 'The datastream id' })
  @ApiBody({ schema: schemaRef('EdgeDownloaded') })
  @ApiEdgeAnswer('A media-analytics:new-session handle for each session, by event index.')
  @ApiEdgeProblems(400, 413, 415, 429, 503)
  storeDownloaded(
    @Body() body: unknown,
    @Query() query: EdgeQuery,
    @Req() request: FastifyRequest,
  ): Promise<EdgeAnswer> {
    return this.edge.storeDownloaded(body, query, request.id);
  }

  @Post(EDGE_PATHS.event)
  @HttpCode(204)
  @ApiOperation({ summary: 'Send one event of an open session (Media Edge API)' })
  @ApiParam({
    name: 'eventType',
    enum: EDGE_EVENT_PATHS,
    description: "The event; the body's xdm.eventType is media.{eventType}",
  })
  @ApiBody({ schema: { oneOf: EDGE_EVENT_PATHS.map((name) => schemaRef(edgeSchemaName(name))) } })
  @ApiResponse({ status: 204, description: 'Stored (or a retry of a stored event).' })
  @ApiEdgeProblems(400, 404, 410, 413, 415, 429, 503)
  recordEvent(@Param('eventType') name: string, @Body() body: unknown): Promise<void> {
    return this.edge.recordEvent(name, body);
  }

  @Post([EDGE_PATHS.interact, EDGE_PATHS.collect])
  @HttpCode(200)
  @ApiOperation({
    summary: "The Web SDK's requests: a media.sessionStart among them starts a session",
  })
  @ApiQuery({
    name: 'configId',
    required: false,
    description: 'Required with a media.sessionStart',
  })
  @ApiBody({ schema: schemaRef('EdgeInteract') })
  @ApiEdgeAnswer(
    'A new-session handle per media start; a state:store handle for the identity cookie.',
  )
  @ApiEdgeProblems(400, 413, 415, 429, 503)
  interact(
    @Body() body: unknown,
    @Query() query: EdgeQuery,
    @Headers('cookie') cookies: unknown,
    @Req() request: FastifyRequest,
  ): Promise<EdgeAnswer> {
    return this.edge.interact(body, query, cookies, request.id);
  }

  /** CORS preflight: the CORS headers come from the Edge policy, which echoes the asked headers. */
  @Options('*')
  @ApiExcludeEndpoint()
  @HttpCode(204)
  @Header('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS))
  preflight(): void {}
}
