import { HttpException } from '@nestjs/common';
import { ContractViolation } from '../validation/contract-violation.exception.js';
import { type FieldError } from '../validation/field-error.js';

/** What a client caused, ready for the envelope; undefined when the fault is ours. */
export interface ClientError {
  readonly status: number;
  readonly message: string;
  readonly errors?: readonly FieldError[];
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Fastify rejects some requests before Nest routes them (unknown media type, body too large); Nest
 * wraps those errors in an HttpException whose cause carries Fastify's code.
 */

const FASTIFY_MESSAGES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE:
    'Content-Type must be application/json (or text/plain holding JSON).',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is larger than this route accepts.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty; a JSON object is required.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body.',
  FST_ERR_CTP_EMPTY_TYPE: 'Content-Type is empty.',
  FST_ERR_CTP_INVALID_TYPE: 'Content-Type is not valid.',
};

function httpMessage(exception: HttpException): string {
  const fastifyCode = (exception.cause as { code?: unknown } | undefined)?.code;
  if (typeof fastifyCode === 'string') {
    return FASTIFY_MESSAGES[fastifyCode] ?? 'The request could not be read.';
  }
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return routerMessage(message) ?? message;
  if (Array.isArray(message)) return message.join('; ');
  return exception.message;
}

/** A 401 names the scheme it wants (RFC 7235); the service's one scheme is the reports' bearer token. */
const BEARER_CHALLENGE: Readonly<Record<string, string>> = { 'www-authenticate': 'Bearer' };

export function classifyClientError(exception: unknown): ClientError | undefined {
  if (exception instanceof ContractViolation) {
    return { status: 400, message: exception.message, errors: exception.fieldErrors };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status >= 500) return undefined;
    const message = httpMessage(exception);
    return status === 401 ? { status, message, headers: BEARER_CHALLENGE } : { status, message };
  }
  return undefined;
}

/** Nest's router says "Cannot GET /x"; the envelope speaks in sentences. */
function routerMessage(message: string): string | undefined {
  const match = /^Cannot ([A-Z]+) (.*)$/s.exec(message);
  if (!match) return undefined;
  return `There is no route for ${match[1]} ${match[2].slice(0, 200)}.`;
}
