import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validate } from 'class-validator';
import { AppConfig, loadConfig } from '../../config/app-config.js';
import { ContractViolation } from './contract-violation.exception.js';
import { extraMemberErrors } from './extra-members.js';
import { type FieldError, MAX_FIELD_ERRORS } from './field-error.js';
import { FieldErrorList } from './field-error-list.js';
import { declaredView, oversizedArrays } from './member-shapes.js';
import { toFieldErrors } from './validation-errors.js';
import { isJsonObject } from './json-object.js';

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
  /** With `each`: the most elements the array may hold under this configuration (contract C1). */
  maxElements?(config: AppConfig): number;
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

/** Validates one value against a DTO; the paths are JSON paths below `prefix`. */
export async function fieldErrorsOf(
  dto: DtoClass,
  value: unknown,
  prefix = '',
): Promise<FieldError[]> {
  const list = new FieldErrorList();
  await collectFieldErrors(dto, value, list, prefix);
  return list.toArray();
}

/**
 * Validates one value against a DTO into `list`, until it is full. An array longer than its cap
 * is the only error then: nothing else of the value is read.
 */
async function collectFieldErrors(
  dto: DtoClass,
  value: unknown,
  list: FieldErrorList,
  prefix = '',
): Promise<void> {
  if (!isJsonObject(value)) {
    list.add(prefix || '$', 'must be a JSON object');
    return;
  }
  const oversized = oversizedArrays(dto, value, prefix);
  if (oversized.length > 0) {
    list.addAll(oversized);
    return;
  }
  const instance = plainToInstance(dto, declaredView(dto, value));
  const errors = await validate(instance, {
    forbidUnknownValues: false,
    // One message per field: a missing member is 'required', not also 'must be a string'.
    stopAtFirstError: true,
    validationError: { target: false, value: false },
  });
  const budget = { left: MAX_FIELD_ERRORS + 1 - list.size };
  toFieldErrors([...errors, ...extraMemberErrors(instance, value, budget)], list, prefix);
}

/**
 * The global validation pipe (contract C1, C6): a 400 naming each failing field by its JSON path,
 * at most 100 of them. It validates a class-transformer copy and hands the handler the value
 * exactly as parsed, so what is stored is what the player sent.
 */
@Injectable()
export class ContractValidationPipe implements PipeTransform {
  /** Without a configuration (a unit test), the contract's defaults apply. */
  constructor(private readonly config: AppConfig = loadConfig({})) {}

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = bodyTypeOf(metadata.metatype, value);
    // The common case, a valid single body, costs its fast check alone.
    if (isValidatedAs(type) && !type.each && type.accepts?.(value, 0)) return value;
    const list = new FieldErrorList();
    if (isValidatedAs(type)) {
      if (type.each) await this.eachElement(type, value, list);
      else if (!type.accepts?.(value, 0))
        await collectFieldErrors(type.validateAs(value, 0), value, list);
    } else if (metadata.type !== 'custom' && hasRules(type)) {
      await collectFieldErrors(type, value, list);
    }
    if (list.size > 0) throw new ContractViolation(list.toArray());
    return value;
  }

  /**
   * The elements one after another, each first through the fast check, until the list holds its
   * 101st error: what a body costs is bounded by its length and by 101 failing elements, however
   * many fail. The length is checked first, so an array over its cap is refused without a look
   * at any element.
   */
  private async eachElement(type: ValidatedAs, value: unknown, list: FieldErrorList) {
    const refuse = (message: string) => list.add('$', message);
    if (!Array.isArray(value)) return refuse('must be a JSON array');
    if (value.length === 0) return refuse('must hold at least one element');
    const max = type.maxElements?.(this.config);
    if (max !== undefined && value.length > max) return refuse(`must hold at most ${max} elements`);
    for (let i = 0; i < value.length && !list.full; i += 1) {
      const element: unknown = value[i];
      if (type.accepts?.(element, i)) continue;
      await collectFieldErrors(type.validateAs(element, i), element, list, `[${i}]`);
    }
  }
}
