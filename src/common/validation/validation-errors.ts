import { type ValidationError } from 'class-validator';
import { type FieldErrorList } from './field-error-list.js';
import { joinPath } from './json-path.js';

/**
 * Turns class-validator's error tree into JSON paths such as `params.media.id` or
 * `[3].params.media.ad.id` (contract C6), into `list`, until it is full. A rule that spans
 * members names the one it blames through its context (`{ path: 'playerTime.playhead' }`,
 * relative to the object it is on).
 */
export function toFieldErrors(
  errors: readonly ValidationError[],
  list: FieldErrorList,
  parent = '',
): void {
  for (const error of errors) {
    if (list.full) return;
    const path = joinPath(parent, String(error.property));
    for (const [name, message] of Object.entries(error.constraints ?? {})) {
      const blamed = (error.contexts?.[name] as { path?: string } | undefined)?.path;
      list.add(blamed ? joinPath(parent, blamed) : path, message);
    }
    if (error.children?.length) toFieldErrors(error.children, list, path);
  }
}
