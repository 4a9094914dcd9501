import { Controller, Get, Header, NotFoundException, Param } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { EVENT_TYPES, type EventType, isEventType } from '../media/event-catalogue.js';
import { type JsonSchema, eventJsonSchema } from '../media/json-schema.js';
import { ApiErrors } from '../openapi/openapi-document.js';

const SCHEMAS = Object.fromEntries(
  EVENT_TYPES.map((type) => [type, eventJsonSchema(type)]),
) as Readonly<Record<EventType, JsonSchema>>;

@ApiTags('collection')
@Controller('api/v1/schemas')
export class SchemasController {
  /** The JSON Schema an event type's body is validated against (reference 1.4). */
  @Get(':eventType')
  @ApiOperation({ summary: "The JSON Schema of an event type's body" })
  @ApiParam({ name: 'eventType', enum: EVENT_TYPES })
  @ApiResponse({ status: 200, description: 'A JSON Schema (draft-07).' })
  @ApiErrors(404)
  @Header('cache-control', 'public, max-age=3600')
  schemaOf(@Param('eventType') eventType: string): JsonSchema {
    if (!isEventType(eventType)) {
      throw new NotFoundException(
        `There is no event type named ${JSON.stringify(eventType.slice(0, 64))}.`,
      );
    }
    return SCHEMAS[eventType];
  }
}
