import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { type FastifyReply } from 'fastify';
import { type Observable } from 'rxjs';
import { applyCommonHeaders } from './response-headers.js';

/** CORS and request-id headers on every handled response; the exception filter does the same for errors. */
@Injectable()
export class CommonHeadersInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    applyCommonHeaders(context.switchToHttp().getResponse<FastifyReply>());
    return next.handle();
  }
}
