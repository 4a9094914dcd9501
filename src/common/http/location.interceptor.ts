import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  SetMetadata,
  UseInterceptors,
  applyDecorators,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type FastifyReply } from 'fastify';
import { type Observable, map } from 'rxjs';

const LOCATION_OF = Symbol('locationOf');

@Injectable()
export class LocationInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const locationOf = this.reflector.get<((id: string) => string) | undefined>(
      LOCATION_OF,
      context.getHandler(),
    );
    if (!locationOf) return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((id: string) => {
        reply.header('location', locationOf(id));
        return undefined;
      }),
    );
  }
}

/**
 * Marks a handler that creates a resource: its result is the new resource's id, answered as a
 * `Location` header with an empty body (contract C2). The interceptor runs on these routes only.
 */
export const CreatesResourceAt = (locationOf: (id: string) => string) =>
  applyDecorators(SetMetadata(LOCATION_OF, locationOf), UseInterceptors(LocationInterceptor));
