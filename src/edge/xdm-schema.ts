import {
  EDGE_SESSION_START,
  EVENT_CATALOGUE,
  MAX_STATES_PER_LIST,
  STATE_NAME_PATTERN,
} from '../media/event-catalogue.js';
import { type JsonSchema, paramSchema } from '../media/json-schema.js';
import { CUSTOM_METADATA_KEY_PATTERN } from '../media/qoe-params.js';
import { EDGE_EVENTS, type EdgeEventName, QOE_DETAILS, type XdmFields } from './xdm-fields.js';

/**
 * JSON Schemas of the Media Edge API's bodies and answers (contract C10), derived from the XDM
 * mapping and the event catalogue the requests are judged by, for the OpenAPI document.
 */

function detailsSchema(
  fields: XdmFields,
  params: (typeof EVENT_CATALOGUE)['play']['params'],
): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, field] of Object.entries(fields)) {
    const spec = params[field.param];
    const schema = spec ? paramSchema(spec) : { type: 'string' };
    properties[name] = field.integer ? { ...schema, type: 'integer' } : schema;
    if (spec?.required || field.required) required.push(name);
  }
  return { type: 'object', properties, ...(required.length > 0 && { required }) };
}

const STATES: JsonSchema = {
  type: 'array',
  maxItems: MAX_STATES_PER_LIST,
  items: {
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string', pattern: STATE_NAME_PATTERN } },
  },
};

const CUSTOM_METADATA: JsonSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['name', 'value'],
    properties: {
      name: { type: 'string', pattern: CUSTOM_METADATA_KEY_PATTERN },
      value: { type: 'string' },
    },
  },
};

const QOE: JsonSchema = {
  type: 'object',
  description: 'bitrate in kbps and timeToStart in seconds (stored as bps and ms).',
  properties: Object.fromEntries(
    Object.keys(QOE_DETAILS).map((name) => [name, { type: 'number', minimum: 0 }]),
  ),
};

/** The `xdm.mediaCollection` of one Edge event. */
export function mediaCollectionSchema(name: EdgeEventName): JsonSchema {
  const shape: (typeof EDGE_EVENTS)[EdgeEventName] = EDGE_EVENTS[name];
  const rules = name === 'sessionStart' ? EDGE_SESSION_START : EVENT_CATALOGUE[shape.type];
  const properties: Record<string, JsonSchema> = {
    playhead: { type: 'integer', minimum: 0, description: 'Seconds.' },
  };
  const required = ['playhead'];
  if (name !== 'sessionStart') {
    properties.sessionID = { type: 'string', description: 'The sessionId of the start.' };
    required.push('sessionID');
  }
  if ('details' in shape) {
    const { member, fields } = shape.details;
    properties[member] = detailsSchema(fields, rules.params);
    if (rules.paramsPresence === 'required' || Object.values(fields).some((f) => f.required)) {
      required.push(member);
    }
  }
  if ('states' in shape) {
    properties.statesStart = STATES;
    properties.statesEnd = STATES;
  }
  if ('customMetadata' in shape) properties.customMetadata = CUSTOM_METADATA;
  if ('qoeRequired' in shape) {
    properties.qoeDataDetails = QOE;
    required.push('qoeDataDetails');
  } else {
    properties.qoeDataDetails = { anyOf: [QOE, { type: 'null' }] };
  }
  return { type: 'object', required, properties };
}

/** An Edge body: `events`, each `{xdm}` of the shape given; `one`: exactly one event. */
const edgeBody = (xdm: JsonSchema, one = false): JsonSchema => ({
  type: 'object',
  required: ['events'],
  properties: {
    events: {
      type: 'array',
      minItems: 1,
      ...(one && { maxItems: 1 }),
      items: { type: 'object', required: ['xdm'], properties: { xdm } },
    },
  },
});

const dateTime: JsonSchema = { type: 'string', format: 'date-time' };

/** The body of `POST va/v1/{name}`: one media event. */
export function edgeEventSchema(name: EdgeEventName): JsonSchema {
  return {
    title: `media.${name}`,
    ...edgeBody(
      {
        type: 'object',
        required: ['eventType', 'timestamp', 'mediaCollection'],
        properties: {
          eventType: { const: `media.${name}` },
          timestamp: dateTime,
          mediaCollection: mediaCollectionSchema(name),
        },
      },
      true,
    ),
  };
}

/** The body of `POST va/v1/downloaded`: each event a whole session. */
export const EDGE_DOWNLOADED_SCHEMA: JsonSchema = edgeBody({
  type: 'object',
  required: ['eventType', 'mediaDownloadedEvents'],
  properties: {
    eventType: { const: 'media.downloaded' },
    mediaDownloadedEvents: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['mediaEventType', 'mediaEventTimestamp', 'mediaCollection'],
        properties: {
          mediaEventType: { type: 'string', description: 'media.sessionStart first.' },
          mediaEventTimestamp: dateTime,
          mediaCollection: { type: 'object' },
        },
      },
    },
  },
});

/** The body of `POST v1/interact` and `v1/collect`: Edge events, a media.sessionStart among them or not. */
export const EDGE_INTERACT_SCHEMA: JsonSchema = edgeBody({ type: 'object' });

/** A 200 with handles: `media-analytics:new-session` for each session started, `state:store` for a cookie. */
export const EDGE_ANSWER_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['requestId', 'handle'],
  properties: {
    requestId: { type: 'string' },
    handle: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'payload'],
        properties: {
          type: { type: 'string', enum: ['media-analytics:new-session', 'state:store'] },
          payload: { type: 'array', items: { type: 'object' } },
          eventIndex: { type: 'integer', minimum: 0 },
        },
      },
    },
  },
};

/** Every error on an Edge path: RFC 7807 in Adobe's shape. */
export const EDGE_PROBLEM_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['type', 'status', 'title', 'detail', 'report'],
  properties: {
    type: {
      type: 'string',
      pattern: '^https://ns\\.adobe\\.com/aep/errors/va-edge-0\\d{3}-\\d{3}$',
    },
    status: { type: 'integer' },
    title: { type: 'string' },
    detail: { type: 'string' },
    report: {
      type: 'object',
      required: ['requestId', 'details'],
      properties: {
        requestId: { type: 'string' },
        details: {
          description: "A 400's failing fields by JSON path; otherwise a sentence.",
          anyOf: [
            {
              type: 'array',
              maxItems: 100,
              items: {
                type: 'object',
                required: ['name', 'reason'],
                properties: { name: { type: 'string' }, reason: { type: 'string' } },
              },
            },
            { type: 'string' },
          ],
        },
      },
    },
  },
};

/** The schemas under the names the OpenAPI document gives them. */
export function edgeOpenApiSchemas(): Record<string, JsonSchema> {
  return {
    ...Object.fromEntries(
      (Object.keys(EDGE_EVENTS) as EdgeEventName[]).map((name) => [
        edgeSchemaName(name),
        edgeEventSchema(name),
      ]),
    ),
    EdgeDownloaded: EDGE_DOWNLOADED_SCHEMA,
    EdgeInteract: EDGE_INTERACT_SCHEMA,
    EdgeAnswer: EDGE_ANSWER_SCHEMA,
    EdgeProblem: EDGE_PROBLEM_SCHEMA,
  };
}

export const edgeSchemaName = (name: EdgeEventName) =>
  `Edge${name[0].toUpperCase()}${name.slice(1)}`;
