import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { type Socket } from 'node:net';
import { type ErrorEnvelope } from './error-envelope.js';
import {
  CORS_HEADERS,
  DEFAULT_CACHE_CONTROL,
  REQUEST_ID_HEADER,
  SECURITY_HEADERS,
} from './response-headers.js';

const ANSWERS: Readonly<Record<string, { status: number; message: string }>> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    message: 'The request took too long to arrive; the connection is closed.',
  },
  HPE_HEADER_OVERFLOW: { status: 431, message: 'The request headers are too large.' },
};
const MALFORMED = { status: 400, message: 'The request is not valid HTTP.' };

/**
 * Answers what Node's HTTP parser refuses before any route sees it (malformed requests, a client
 * too slow to send its request, oversized headers) the way every other error is answered
 * (contract C6): the envelope, CORS, a request id; then the connection is closed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const { status, message } = ANSWERS[error.code ?? ''] ?? MALFORMED;
    const requestId = randomUUID();
    const envelope: ErrorEnvelope = { statusCode: status, message, requestId };
    const body = JSON.stringify(envelope);
    const headers = {
      ...CORS_HEADERS,
      ...SECURITY_HEADERS,
      'cache-control': DEFAULT_CACHE_CONTROL,
      [REQUEST_ID_HEADER]: requestId,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      connection: 'close',
    };
    const head = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}`)
      .join('\r\n');
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
