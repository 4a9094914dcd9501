import { ValidateBy, isObject } from 'class-validator';
import { CUSTOM_METADATA_KEY_PATTERN, QOE_PARAMS } from '../../media/qoe-params.js';
import { dtoFromSpec } from './param-rules.js';

const customMetadataKey = new RegExp(CUSTOM_METADATA_KEY_PATTERN);

/** qoeData: the known members typed, any other member a string, number or boolean (C1). */
export const QoeDataDto = dtoFromSpec(QOE_PARAMS, (_key, value) =>
  typeof value === 'string' || typeof value === 'boolean' || Number.isFinite(value)
    ? undefined
    : 'must be a string, a finite number or a boolean',
);

/** customMetadata: a flat object of strings under keys like `my_key.name` (C1). */
export const CustomMetadataDto = dtoFromSpec({}, (key, value) => {
  if (!customMetadataKey.test(key)) return `key must match ${CUSTOM_METADATA_KEY_PATTERN}`;
  return typeof value === 'string' ? undefined : 'must be a string';
});

/** A member that must be a JSON object (not an array, not null). */
export function IsJsonObject(): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isJsonObject',
      validator: { validate: (v: unknown) => isObject(v) && !Array.isArray(v) },
    },
    { message: 'must be a JSON object' },
  );
}
