import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { schemaRef } from '../openapi/openapi-document.js';

const MEANINGS: Readonly<Record<number, string>> = {
  400: 'The body breaks the contract; report.details names each failing field by JSON path.',
  404: 'No such session (or path).',
  410: 'The session is closed; start a new one.',
  413: 'The body is larger than the route accepts.',
  415: 'The body is not JSON (application/json or text/plain).',
  429: 'Too many requests; Retry-After says when to retry.',
  503: 'The service cannot store data now; Retry-After says when to retry.',
};

/** The error answers of an Edge route: problem+json in Adobe's shape. */
export function ApiEdgeProblems(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: MEANINGS[status],
        content: { 'application/problem+json': { schema: schemaRef('EdgeProblem') } },
      }),
    ),
  );
}

/** A 200 of an Edge route with handles. */
export const ApiEdgeAnswer = (description: string) =>
  ApiResponse({ status: 200, description, schema: schemaRef('EdgeAnswer') });
