/** One failing field of a request, named by its JSON path (contract C6). */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** A 400 names at most this many fields; validation stops at the next one (contract C6). */
export const MAX_FIELD_ERRORS = 100;
