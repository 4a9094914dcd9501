import { BadRequestException } from '@nestjs/common';
import { type FieldError, MAX_FIELD_ERRORS } from './field-error.js';
import { boundedFieldError } from './field-error-list.js';

/**
 * A 400 that names each failing field (contract C6): at most `MAX_FIELD_ERRORS` of them. Given
 * more, it keeps the first ones and its message says that more fields are invalid.
 */
export class ContractViolation extends BadRequestException {
  readonly fieldErrors: readonly FieldError[];

  constructor(errors: readonly FieldError[]) {
    const kept = errors.slice(0, MAX_FIELD_ERRORS).map(boundedFieldError);
    super(ContractViolation.summary(kept, errors.length));
    this.fieldErrors = kept;
  }

  private static summary(kept: readonly FieldError[], count: number): string {
    const [first] = kept;
    if (!first) return 'The request is invalid.';
    if (count > MAX_FIELD_ERRORS) {
      return `The request is invalid: more than ${MAX_FIELD_ERRORS} fields are invalid, and the first ${MAX_FIELD_ERRORS} are listed.`;
    }
    const more = count > 1 ? ` (and ${count - 1} more problem${count > 2 ? 's' : ''})` : '';
    return `The request is invalid: ${first.path} ${first.message}${more}.`;
  }
}
