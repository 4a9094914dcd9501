import { BadRequestException } from '@nestjs/common';
import { type FieldError } from './field-error.js';

/** A 400 that names each failing field (contract C6). */
export class ContractViolation extends BadRequestException {
  constructor(readonly fieldErrors: readonly FieldError[]) {
    super(ContractViolation.summary(fieldErrors));
  }

  private static summary(errors: readonly FieldError[]): string {
    const [first] = errors;
    if (!first) return 'The request is invalid.';
    const more =
      errors.length > 1
        ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})`
        : '';
    return `The request is invalid: ${first.path} ${first.message}${more}.`;
  }
}
