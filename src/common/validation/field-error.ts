/** One failing field of a request, named by its JSON path (contract C6). */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}
