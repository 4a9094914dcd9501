import { Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { AllExceptionsFilter } from './http/all-exceptions.filter.js';
import { CommonHeadersInterceptor } from './http/common-headers.interceptor.js';
import { LocationInterceptor } from './http/location.interceptor.js';
import { PreflightController } from './http/preflight.controller.js';
import { ContractValidationPipe } from './validation/contract-validation.pipe.js';

/** Cross-cutting HTTP behaviour every route shares (contract C1, C6). */
@Module({
  controllers: [PreflightController],
  providers: [
    { provide: APP_PIPE, useClass: ContractValidationPipe },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    { provide: APP_INTERCEPTOR, useClass: CommonHeadersInterceptor },
    { provide: APP_INTERCEPTOR, useClass: LocationInterceptor },
  ],
})
export class CommonModule {}
