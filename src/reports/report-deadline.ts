import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  ServiceUnavailableException,
  createParamDecorator,
} from '@nestjs/common';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { type Observable, catchError, finalize, throwError } from 'rxjs';
import { AppConfig } from '../config/app-config.js';

/** The client closed its connection before its report was answered: the work is for nobody. */
export class ReportAbandoned extends Error {
  constructor() {
    super('the client went away before the report was answered');
    this.name = 'ReportAbandoned';
  }
}

/** The request's deadline (`REPORTS_QUERY_TIMEOUT_MS`) passed before the report was ready. */
export class ReportDeadlinePassed extends Error {
  constructor(readonly ms: number) {
    super(`the report took longer than its deadline of ${ms} ms`);
    this.name = 'ReportDeadlinePassed';
  }
}

const signals = new WeakMap<object, AbortSignal>();

/**
 * Gives each reporting request an AbortSignal that fires when the client goes away, or when the
 * request's deadline passes; the work then stops (its connection dropped, its statement ended on
 * the server) and a request past its deadline is answered 503 with Retry-After (contract C6). A
 * summary is many statements, so the deadline is the request's, not only each statement's.
 */
@Injectable()
export class ReportDeadline implements NestInterceptor {
  private readonly deadlineMs: number;

  constructor(config: AppConfig) {
    this.deadlineMs = config.reportsQueryTimeoutMs;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const response = http.getResponse<FastifyReply>().raw;
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new ReportDeadlinePassed(this.deadlineMs)),
      this.deadlineMs,
    );
    // A response closed before its end was written: the client's connection is gone.
    const onClose = () => {
      if (!response.writableEnded) controller.abort(new ReportAbandoned());
    };
    response.on('close', onClose);
    if (request.raw.socket?.destroyed) controller.abort(new ReportAbandoned());
    signals.set(request, controller.signal);
    return next.handle().pipe(
      catchError((error: unknown) =>
        throwError(() =>
          controller.signal.reason instanceof ReportDeadlinePassed
            ? new ServiceUnavailableException(
                'The report could not be computed within its deadline; retry later.',
              )
            : error,
        ),
      ),
      finalize(() => {
        clearTimeout(timer);
        response.off('close', onClose);
      }),
    );
  }
}

/** The request's AbortSignal (see `ReportDeadline`, which must intercept the route). */
export const ReportSignal = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const signal = signals.get(context.switchToHttp().getRequest<FastifyRequest>());
  if (!signal) throw new Error('ReportSignal needs the ReportDeadline interceptor on its route');
  return signal;
});
