import { type FieldError, MAX_FIELD_ERRORS } from './field-error.js';
import { bounded, MAX_PATH_LENGTH } from './json-path.js';

/** Our messages are short sentences; this only bounds what a rule could make of a value. */
export const MAX_MESSAGE_LENGTH = 320;

/** The error with its path and message cut to their bounds. */
export function boundedFieldError(error: FieldError): FieldError {
  return {
    path: bounded(error.path, MAX_PATH_LENGTH),
    message: bounded(error.message, MAX_MESSAGE_LENGTH),
  };
}

/**
 * The field errors of one request, each once, in the order found. It takes one more than
 * `MAX_FIELD_ERRORS`, so that the answer can say there were more, and then nothing: whoever
 * fills it stops as soon as it is `full` (contract C6).
 */
export class FieldErrorList {
  private readonly errors: FieldError[] = [];
  private readonly seen = new Set<string>();

  get full(): boolean {
    return this.errors.length > MAX_FIELD_ERRORS;
  }

  get size(): number {
    return this.errors.length;
  }

  add(path: string, message: string): void {
    if (this.full) return;
    const error = boundedFieldError({ path, message });
    const key = `${error.path}\u0000${error.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.errors.push(error);
  }

  addAll(errors: readonly FieldError[]): void {
    for (const error of errors) this.add(error.path, error.message);
  }

  toArray(): FieldError[] {
    return [...this.errors];
  }
}
