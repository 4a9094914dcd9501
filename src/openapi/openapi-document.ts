import { type INestApplication } from '@nestjs/common';
import { ApiResponse, DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';
import { EVENT_TYPES, SESSION_EVENT_TYPES } from '../media/event-catalogue.js';
import { edgeOpenApiSchemas } from '../edge/xdm-schema.js';
import { exampleBody } from '../media/event-examples.js';
import { eventJsonSchema } from '../media/json-schema.js';
import {
  CORS_HEADERS,
  REQUEST_ID_HEADER,
  SECURITY_HEADERS,
} from '../common/http/response-headers.js';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';

/** Schema references the controllers use in their decorators. */
export const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const ERROR_ENVELOPE_SCHEMA = 'ErrorEnvelope';
export const SESSION_EVENT_SCHEMA = 'SessionEvent';
export const DOWNLOADED_SESSION_SCHEMA = 'DownloadedSession';

/** OpenAPI 3.1 speaks JSON Schema, so the catalogue's schemas go in as they are served. */
function catalogueSchemas(): Record<string, unknown> {
  const schemas: Record<string, unknown> = {};
  for (const type of EVENT_TYPES) {
    const { $schema: _dialect, $id: _id, ...schema } = eventJsonSchema(type);
    schemas[type] = { ...schema, examples: [exampleBody(type)] };
  }
  schemas[SESSION_EVENT_SCHEMA] = {
    description: 'Any event but sessionStart, told apart by eventType.',
    oneOf: SESSION_EVENT_TYPES.map((type) => schemaRef(type)),
  };
  schemas[DOWNLOADED_SESSION_SCHEMA] = {
    description: 'One whole offline session: a sessionStart, then its events in order.',
    type: 'array',
    prefixItems: [schemaRef('sessionStart')],
    items: schemaRef(SESSION_EVENT_SCHEMA),
    minItems: 1,
  };
  Object.assign(schemas, edgeOpenApiSchemas());
  schemas[ERROR_ENVELOPE_SCHEMA] = {
    type: 'object',
    required: ['statusCode', 'message', 'requestId'],
    properties: {
      statusCode: { type: 'integer' },
      message: { type: 'string', description: 'One readable sentence.' },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          required: ['path', 'message'],
          properties: {
            path: {
              type: 'string',
              description: 'JSON path of the failing field, e.g. params.media.id',
            },
            message: { type: 'string' },
          },
        },
      },
      requestId: { type: 'string', description: 'Also sent as the X-Request-Id header.' },
    },
  };
  return schemas;
}

/**
 * The health library documents its answers with a `redis` indicator; this service's one
 * indicator is `database`, so the examples name that instead.
 */
function ownHealthExamples<T>(node: T): T {
  if (Array.isArray(node)) return node.map(ownHealthExamples) as T;
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node).map(([key, value]): [string, unknown] => {
    if (key === 'example' && value && typeof value === 'object' && 'redis' in value) {
      const { redis, ...rest } = value as Record<string, unknown>;
      return [key, 'database' in rest ? rest : { ...rest, database: redis }];
    }
    return [key, ownHealthExamples<unknown>(value)];
  });
  return Object.fromEntries(entries) as T;
}

/** The OpenAPI document of every route, served at /docs-json and committed as openapi.json. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('media-collection-api')
    .setDescription(
      "A self-hosted implementation of Adobe's Media Collection API and Media Edge API: sessions, playback events and offline batches.",
    )
    .setVersion('1')
    .build();
  const document = ownHealthExamples(SwaggerModule.createDocument(app, config));
  const components = document.components ?? {};
  return {
    ...document,
    openapi: '3.1.0',
    components: { ...components, schemas: { ...components.schemas, ...catalogueSchemas() } },
  } as OpenAPIObject;
}

/**
 * Swagger UI is a page with scripts, so it gets CORS, the request id and nosniff but not the API's
 * `default-src 'none'` policy. Its routes are Fastify's own, outside Nest's interceptors.
 */
const DOCS_HEADERS = {
  ...CORS_HEADERS,
  'x-content-type-options': SECURITY_HEADERS['x-content-type-options'],
  'referrer-policy': SECURITY_HEADERS['referrer-policy'],
};

/** Where Swagger UI is served; pages, not API answers (see DOCS_HEADERS). */
export const DOCS_PATH = '/docs';

export function serveOpenApi(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      if (request.url.startsWith(DOCS_PATH)) {
        void reply.headers(DOCS_HEADERS).header(REQUEST_ID_HEADER, request.id);
      }
      done();
    });
  SwaggerModule.setup(DOCS_PATH.slice(1), app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
  });
}

const ERROR_MEANINGS: Readonly<Record<number, string>> = {
  400: 'The body breaks the contract; `errors` names each failing field.',
  401: 'A missing or wrong bearer token.',
  404: 'No such resource.',
  410: 'The session is closed (ended or expired); start a new one.',
  413: 'The body is larger than the route accepts.',
  415: 'The body is not JSON (application/json or text/plain).',
  429: 'Too many requests.',
};

/** Documents the error answers of a route, all in the one envelope. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: ERROR_MEANINGS[status],
        schema: schemaRef(ERROR_ENVELOPE_SCHEMA),
      }),
    ),
  );
}
