import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  isObject,
} from 'class-validator';
import { type ObjectSpec, type ParamSpec } from '../../media/param-spec.js';
import { type ExtraMemberPolicy, ExtraMembers } from './extra-members.js';
import { Nests } from './member-shapes.js';

type PropertyRule = (target: object, key: string) => void;

const finiteNumber = { allowNaN: false, allowInfinity: false };

/** class-validator rules for one catalogue entry: the catalogue stays the single source. */
function rulesFor(spec: ParamSpec): PropertyRule[] {
  switch (spec.type) {
    case 'string':
      return [
        IsString({ message: 'must be a string' }),
        ...(spec.minLength
          ? [MinLength(spec.minLength, { message: 'must be a non-empty string' })]
          : []),
        ...(spec.enum
          ? [IsIn([...spec.enum], { message: `must be one of ${spec.enum.join(', ')}` })]
          : []),
        ...(spec.pattern
          ? [Matches(new RegExp(spec.pattern), { message: `must match ${spec.pattern}` })]
          : []),
      ];
    case 'number':
      return [
        IsNumber(finiteNumber, { message: 'must be a finite number' }),
        ...(spec.minimum !== undefined
          ? [Min(spec.minimum, { message: `must be at least ${spec.minimum}` })]
          : []),
        ...(spec.exclusiveMinimum !== undefined ? [GreaterThan(spec.exclusiveMinimum)] : []),
      ];
    case 'integer':
      return [
        IsInt({ message: 'must be an integer' }),
        ...(spec.minimum !== undefined
          ? [Min(spec.minimum, { message: `must be at least ${spec.minimum}` })]
          : []),
        ...(spec.maximum !== undefined
          ? [Max(spec.maximum, { message: `must be at most ${spec.maximum}` })]
          : []),
      ];
    case 'boolean':
      return [IsBoolean({ message: 'must be true or false' })];
    case 'array': {
      const item = dtoFromSpec(spec.items, 'forbid');
      return [
        ValidateBy(
          { name: 'isArray', validator: { validate: Array.isArray } },
          { message: 'must be an array' },
        ),
        // The item count is checked before any item is read (oversizedArrays), not here.
        Nests({ shape: 'array', dto: item, maxItems: spec.maxItems }),
        ValidateNested({ each: true, message: 'each item must be an object' }),
        Type(() => item),
      ];
    }
    case 'map': {
      const value = dtoFromSpec(spec.values, 'forbid');
      return [
        IsObject({ message: 'must be an object' }),
        Nests({ shape: 'map', dto: value }),
        ValidateNested({ each: true, message: 'each value must be an object' }),
        // class-validator validates each entry of a Map, not of a plain object.
        Transform(({ value: map }: { value: unknown }) =>
          isObject(map) && !Array.isArray(map)
            ? new Map(Object.entries(map).map(([k, v]) => [k, toInstance(value, v)]))
            : map,
        ),
      ];
    }
  }
}

function toInstance(type: new () => object, value: unknown): unknown {
  return isObject(value) && !Array.isArray(value) ? Object.assign(new type(), value) : value;
}

function GreaterThan(bound: number): PropertyRule {
  return ValidateBy(
    {
      name: 'exclusiveMinimum',
      validator: { validate: (value: unknown) => typeof value === 'number' && value > bound },
    },
    { message: `must be greater than ${bound}` },
  );
}

/** Present members must be typed right; null is not "absent". */
const whenPresent = (key: string) =>
  ValidateIf((object: Record<string, unknown>) => object[key] !== undefined);

export function applyParamSpec(target: object, key: string, spec: ParamSpec): void {
  const presence = spec.required ? IsDefined({ message: 'is required' }) : whenPresent(key);
  for (const rule of [presence, ...rulesFor(spec)]) rule(target, key);
}

/** A DTO class whose members are the catalogue's, with the given policy for the others. */
export function dtoFromSpec(spec: ObjectSpec, extraMembers: ExtraMemberPolicy): new () => object {
  const dto = class {};
  for (const [key, memberSpec] of Object.entries(spec))
    applyParamSpec(dto.prototype, key, memberSpec);
  ExtraMembers(extraMembers)(dto);
  return dto;
}
