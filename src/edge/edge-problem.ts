import { type FastifyReply } from 'fastify';
import { type ServiceError } from '../common/http/error-reply.js';
import { ACCEPTABLE_ID } from '../common/http/request-id.js';

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Adobe's problem type for a status on the Media Edge API: `…/va-edge-0400-400`. */
export const edgeProblemType = (status: number) =>
  `https://ns.adobe.com/aep/errors/va-edge-0${status}-${status}`;

/** The body of an error on an Edge path (contract C10): RFC 7807, in Adobe's shape. */
export interface EdgeProblem {
  readonly type: string;
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly report: {
    readonly requestId: string;
    /** A 400's failing fields by JSON path; another error's explanation. */
    readonly details: ReadonlyArray<{ readonly name: string; readonly reason: string }> | string;
  };
}

export function edgeProblem(error: ServiceError, requestId: string): EdgeProblem {
  const status = error.statusCode;
  const fields = error.errors?.map((e) => ({ name: e.path, reason: e.message }));
  return {
    type: edgeProblemType(status),
    status,
    title: TITLES[status] ?? 'Error',
    detail: error.message,
    report: { requestId, details: status === 400 ? (fields ?? []) : error.message },
  };
}

/** Sends an error as the Media Edge API does: `application/problem+json`. */
export function sendEdgeProblem(reply: FastifyReply, error: ServiceError): FastifyReply {
  return reply
    .type('application/problem+json')
    .send(edgeProblem(error, edgeRequestId(reply.request.query) ?? reply.request.id));
}

/** alloy names each request in its query (`requestId`); a retry names it again. */
export function edgeRequestId(query: unknown): string | undefined {
  const value = (query as { requestId?: unknown } | undefined)?.requestId;
  return typeof value === 'string' && ACCEPTABLE_ID.test(value) ? value : undefined;
}
