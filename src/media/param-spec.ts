/**
 * How one member of a `params` (or `qoeData`) object is typed. Plain data, so that the
 * request validators, the JSON Schemas and the OpenAPI document are all derived from it.
 */
export type ParamSpec =
  | StringSpec
  | NumberSpec
  | IntegerSpec
  | { readonly type: 'boolean'; readonly required?: boolean }
  | MapSpec
  | ArraySpec;

export interface StringSpec {
  readonly type: 'string';
  readonly required?: boolean;
  /** Required strings must not be empty (Adobe drops sessions with an empty media.id). */
  readonly minLength?: number;
  readonly enum?: readonly string[];
  readonly pattern?: string;
}

export interface NumberSpec {
  readonly type: 'number';
  readonly required?: boolean;
  readonly minimum?: number;
  readonly exclusiveMinimum?: number;
}

export interface IntegerSpec {
  readonly type: 'integer';
  readonly required?: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
}

/** An object with free keys whose values all have one shape, e.g. visitor.customerIDs. */
export interface MapSpec {
  readonly type: 'map';
  readonly required?: boolean;
  readonly values: ObjectSpec;
}

export interface ArraySpec {
  readonly type: 'array';
  readonly required?: boolean;
  /** Checked before any item is read, so a longer array costs no more than a short one (C1). */
  readonly maxItems?: number;
  readonly items: ObjectSpec;
}

/** The known members of one object; other members are governed by the owner's extra-member policy. */
export type ObjectSpec = Readonly<Record<string, ParamSpec>>;

export const requiredString: StringSpec = { type: 'string', required: true, minLength: 1 };
export const optionalString: StringSpec = { type: 'string' };
