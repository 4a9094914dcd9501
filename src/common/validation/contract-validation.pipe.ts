import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validate } from 'class-validator';
import { ContractViolation } from './contract-violation.exception.js';
import { extraMemberErrors } from './extra-members.js';
import { type FieldError } from './field-error.js';
import { joinPath, toFieldErrors } from './validation-errors.js';

type DtoClass = new () => object;

/**
 * A body type that picks its DTO from the body itself (an event's DTO depends on its
 * eventType). With `each`, the body is a JSON array and every element is validated so.
 */
export interface ValidatedAs {
  validateAs(body: unknown, index: number): DtoClass;
  /**
   * The same rules compiled into a fast check that may only say "valid" for bodies the DTO
   * accepts; when it says no, the DTO decides and names the failing fields.
   */
  accepts?(body: unknown, index: number): boolean;
  readonly each?: boolean;
}

/** A body type that stands for one of several, told apart by the body (an object or an array). */
export interface ValidatedAsOneOf {
  bodyTypeFor(body: unknown): ValidatedAs;
}

function isValidatedAs(type: unknown): type is ValidatedAs {
  return typeof (type as Partial<ValidatedAs> | undefined)?.validateAs === 'function';
}

function bodyTypeOf(type: unknown, value: unknown): unknown {
  const oneOf = type as Partial<ValidatedAsOneOf> | undefined;
  return typeof oneOf?.bodyTypeFor === 'function' ? oneOf.bodyTypeFor(value) : type;
}

/** Whether a parameter's type carries class-validator rules; asked per request, so remembered. */
const ruled = new WeakMap<object, boolean>();

function hasRules(type: unknown): type is DtoClass {
  if (typeof type !== 'function') return false;
  let known = ruled.get(type);
  if (known === undefined) {
    known = getMetadataStorage().getTargetValidationMetadatas(type, '', true, false).length > 0;
    ruled.set(type, known);
  }
  return known;
}

function acceptedAtOnce(type: ValidatedAs, value: unknown): boolean {
  if (!type.accepts) return false;
  if (!type.each) return type.accepts(value, 0);
  return Array.isArray(value) && value.length > 0 && value.every((e, i) => type.accepts!(e, i));
}

const isJsonObject = (value: unknown) =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Validates one value against a DTO; the paths are JSON paths below `prefix`. */
export async function fieldErrorsOf(
  dto: DtoClass,
  value: unknown,
  prefix = '',
): Promise<FieldError[]> {
  if (!isJsonObject(value)) return [{ path: prefix || '$', message: 'must be a JSON object' }];
  const instance = plainToInstance(dto, value);
  const errors = await validate(instance, {
    forbidUnknownValues: false,
    // One message per field: a missing member is 'required', not also 'must be a string'.
    stopAtFirstError: true,
    validationError: { target: false, value: false },
  });
  return toFieldErrors([...errors, ...extraMemberErrors(instance, value)], prefix);
}

/**
 * The global validation pipe (contract C1, C6): a 400 naming each failing field by its JSON path.
 * It validates a class-transformer copy and hands the handler the value exactly as parsed, so
 * what is stored is what the player sent.
 */
@Injectable()
export class ContractValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = bodyTypeOf(metadata.metatype, value);
    let errors: FieldError[] = [];
    if (isValidatedAs(type)) {
      if (acceptedAtOnce(type, value)) return value;
      errors = type.each
        ? await this.eachElement(type, value)
        : await fieldErrorsOf(type.validateAs(value, 0), value);
    } else if (metadata.type !== 'custom' && hasRules(type)) {
      errors = await fieldErrorsOf(type, value);
    }
    if (errors.length > 0) throw new ContractViolation(errors);
    return value;
  }

  private async eachElement(type: ValidatedAs, value: unknown): Promise<FieldError[]> {
    if (!Array.isArray(value)) return [{ path: '$', message: 'must be a JSON array' }];
    if (value.length === 0) return [{ path: '$', message: 'must hold at least one element' }];
    const perElement = await Promise.all(
      value.map((element, i) =>
        fieldErrorsOf(type.validateAs(element, i), element, joinPath('', String(i))),
      ),
    );
    return perElement.flat();
  }
}
