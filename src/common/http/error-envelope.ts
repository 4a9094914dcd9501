import { type FieldError } from '../validation/field-error.js';

/** The body of every error response (contract C6). */
export interface ErrorEnvelope {
  readonly statusCode: number;
  readonly message: string;
  readonly errors?: readonly FieldError[];
  readonly requestId: string;
}
