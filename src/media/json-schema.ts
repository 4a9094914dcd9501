import { EVENT_CATALOGUE, type EventType } from './event-catalogue.js';
import { type ObjectSpec, type ParamSpec } from './param-spec.js';
import { PLAYER_TIME } from './player-time.js';
import { LIVE_PLAYHEAD_LIMIT } from './playhead-range.js';
import { CUSTOM_METADATA_KEY_PATTERN, QOE_PARAMS } from './qoe-params.js';

export type JsonSchema = { readonly [keyword: string]: unknown };

export const JSON_SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#';

/** The JSON Schema of one member the catalogue types. */
export function paramSchema(spec: ParamSpec): JsonSchema {
  switch (spec.type) {
    case 'string':
      return {
        type: 'string',
        ...(spec.minLength !== undefined && { minLength: spec.minLength }),
        ...(spec.enum && { enum: spec.enum }),
        ...(spec.pattern && { pattern: spec.pattern }),
      };
    case 'number':
    case 'integer':
      return {
        type: spec.type,
        ...(spec.minimum !== undefined && { minimum: spec.minimum }),
        ...('exclusiveMinimum' in spec &&
          spec.exclusiveMinimum !== undefined && { exclusiveMinimum: spec.exclusiveMinimum }),
        ...('maximum' in spec && spec.maximum !== undefined && { maximum: spec.maximum }),
      };
    case 'boolean':
      return { type: 'boolean' };
    case 'map':
      return { type: 'object', additionalProperties: objectSchema(spec.values, false) };
    case 'array':
      return {
        type: 'array',
        ...(spec.maxItems !== undefined && { maxItems: spec.maxItems }),
        items: objectSchema(spec.items, false),
      };
  }
}

function objectSchema(spec: ObjectSpec, additionalProperties: boolean | JsonSchema): JsonSchema {
  const required = Object.entries(spec)
    .filter(([, member]) => member.required)
    .map(([key]) => key);
  return {
    type: 'object',
    properties: Object.fromEntries(
      Object.entries(spec).map(([key, member]) => [key, paramSchema(member)]),
    ),
    ...(required.length > 0 && { required }),
    additionalProperties,
  };
}

/** `live` or `linear`, in any case (contract C2). */
const LIVE_CONTENT_TYPE = '^([Ll][Ii][Vv][Ee]|[Ll][Ii][Nn][Ee][Aa][Rr])$';

/**
 * The JSON Schema (draft-07) of one event type's body, derived from the catalogue like the
 * request validators. One rule cannot be stated in JSON Schema and is only described: an
 * on-demand sessionStart's playhead must not exceed its own `media.length`.
 */
export function eventJsonSchema(type: EventType): JsonSchema {
  const rules = EVENT_CATALOGUE[type];
  const properties: Record<string, JsonSchema> = {
    playerTime: objectSchema(PLAYER_TIME, false),
    eventType: { type: 'string', enum: [type] },
    qoeData: objectSchema(QOE_PARAMS, { type: ['string', 'number', 'boolean'] }),
  };
  properties.params = objectSchema(rules.params, true);
  if (rules.customMetadata) {
    properties.customMetadata = {
      type: 'object',
      propertyNames: { pattern: CUSTOM_METADATA_KEY_PATTERN },
      additionalProperties: { type: 'string' },
    };
  }
  const conditions: JsonSchema[] = [];
  if (rules.requiresOneOf) {
    conditions.push({
      anyOf: rules.requiresOneOf.map((ref) => ({
        required: [ref.member],
        properties: { [ref.member]: { required: [ref.key] } },
      })),
    });
  }
  if (type === 'sessionStart') {
    conditions.push({
      if: {
        properties: {
          params: { properties: { 'media.contentType': { pattern: LIVE_CONTENT_TYPE } } },
        },
      },
      then: {
        properties: {
          playerTime: { properties: { playhead: { exclusiveMaximum: LIVE_PLAYHEAD_LIMIT } } },
        },
      },
    });
  }
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: `/api/v1/schemas/${type}`,
    title: `${type} event`,
    ...(type === 'sessionStart' && {
      description:
        'For content other than live or linear, playerTime.playhead must also not exceed params.media.length.',
    }),
    type: 'object',
    required: [
      'playerTime',
      'eventType',
      ...(rules.paramsPresence === 'required' ? ['params'] : []),
    ],
    properties,
    additionalProperties: false,
    ...(conditions.length > 0 && { allOf: conditions }),
  };
}
