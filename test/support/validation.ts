import 'reflect-metadata';
import { ContractValidationPipe } from '../../src/common/validation/contract-validation.pipe.js';
import { ContractViolation } from '../../src/common/validation/contract-violation.exception.js';
import { type FieldError } from '../../src/common/validation/field-error.js';

const pipe = new ContractValidationPipe();

/** The field errors the global pipe reports for a body of this type; [] when it accepts it. */
export async function violationsOf(
  metatype: new () => unknown,
  body: unknown,
): Promise<FieldError[]> {
  try {
    await pipe.transform(body, { type: 'body', metatype, data: undefined });
    return [];
  } catch (error) {
    if (error instanceof ContractViolation) return [...error.fieldErrors];
    throw error;
  }
}
