import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AllExceptionsFilter } from './http/all-exceptions.filter.js';
import { PreflightController } from './http/preflight.controller.js';
import { ContractValidationPipe } from './validation/contract-validation.pipe.js';

/** Cross-cutting HTTP behaviour every route shares (contract C1, C6). */
@Module({
  controllers: [PreflightController],
  providers: [
    { provide: APP_PIPE, useClass: ContractValidationPipe },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
  ],
})
export class CommonModule {}
