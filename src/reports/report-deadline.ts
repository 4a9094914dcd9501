import {
  type CallHandler,
  type ExecutionContext,
  HttpException,
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

/** "Client closed request": what the access log and the metrics count a request left unanswered as. */
const CLIENT_CLOSED_REQUEST = 499;

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
      catchError((error: unknown) => throwError(() => this.answerFor(error, controller.signal))),
      finalize(() => {
        clearTimeout(timer);
        response.off('close', onClose);
      }),
    );
  }

  /**
   * Past the deadline: 503 with Retry-After. A client that left is no fault of the service: a
   * 4xx, which nobody receives and which is not logged as an error.
   */
  private answerFor(error: unknown, signal: AbortSignal): unknown {
    const reason: unknown = signal.reason;
    if (reason instanceof ReportDeadlinePassed) {
      return new ServiceUnavailableException(
        'The report could not be computed within its deadline; retry later.',
      );
    }
    if (reason instanceof ReportAbandoned) {
      return new HttpException(
        'The client closed the request before its report was ready.',
        CLIENT_CLOSED_REQUEST,
      );
    }
    return error;
  }
}

/** The request's AbortSignal (see `ReportDeadline`, which must intercept the route). */
export const ReportSignal = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const signal = signals.get(context.switchToHttp().getRequest<FastifyRequest>());
  if (!signal) throw new Error('ReportSignal needs the ReportDeadline interceptor on its route');
  return signal;
});
