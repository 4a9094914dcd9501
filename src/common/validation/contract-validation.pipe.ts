import { type ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import { type ValidationError, type ValidatorOptions } from 'class-validator';
import { ContractViolation } from './contract-violation.exception.js';
import { extraMemberErrors } from './extra-members.js';
import { toFieldErrors } from './validation-errors.js';

/**
 * The global validation pipe. It validates a class-transformer copy of the body but hands the
 * controller the body exactly as parsed, so what is stored is what the player sent.
 */
@Injectable()
export class ContractValidationPipe extends ValidationPipe {
  constructor() {
    super({
      transform: false,
      forbidUnknownValues: false,
      // One message per field: a missing member is 'required', not also 'must be a string'.
      stopAtFirstError: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors: ValidationError[]) => new ContractViolation(toFieldErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && !Array.isArray(metadata.metatype)) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new ContractViolation([{ path: '$', message: 'must be a JSON object' }]);
      }
    }
    // ValidationPipe hands back a class-to-plain copy, which flattens Maps used for validation;
    // it validates (and throws) here, and the caller gets the parsed body itself.
    await super.transform(value, metadata);
    return value;
  }

  protected override async validate(
    object: object,
    validatorOptions?: ValidatorOptions,
  ): Promise<ValidationError[]> {
    const errors = await super.validate(object, validatorOptions);
    return [...errors, ...extraMemberErrors(object)];
  }
}
