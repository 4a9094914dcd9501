import { type ValidationError } from 'class-validator';
import { type FieldError } from './field-error.js';

/**
 * Turns class-validator's error tree into JSON paths such as `params.media.id` or
 * `[3].params.media.ad.id` (contract C6). A rule that spans members names the one it blames
 * through its context (`{ path: 'playerTime.playhead' }`, relative to the object it is on).
 */
export function toFieldErrors(errors: readonly ValidationError[], parent = ''): FieldError[] {
  const result: FieldError[] = [];
  for (const error of errors) {
    const path = joinPath(parent, String(error.property));
    for (const [name, message] of Object.entries(error.constraints ?? {})) {
      const blamed = (error.contexts?.[name] as { path?: string } | undefined)?.path;
      result.push({ path: blamed ? joinPath(parent, blamed) : path, message });
    }
    if (error.children?.length) result.push(...toFieldErrors(error.children, path));
  }
  return dedupe(result);
}

export function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
