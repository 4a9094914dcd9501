/**
 * A path names a member whose name the client chose, and may be any length: a 60 KB member name
 * must not be echoed whole in each of 100 errors (contract C6: an error answer is never much
 * larger than the request). Longer paths keep their start and end in `…`.
 */
export const MAX_PATH_LENGTH = 128;

const ELLIPSIS = '…';

/** `text` cut to at most `max` characters, ending in `…` when cut; never halves a surrogate pair. */
export function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - ELLIPSIS.length;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end) + ELLIPSIS;
}

const INDEX = /^\d+$/;

/**
 * `params.media.id`, `[3].params`: a member's path below its parent's. Bounded as it is built, so
 * a long name costs its bounded length, not its own, however many errors name it.
 */
export function joinPath(parent: string, property: string): string {
  const name = bounded(property, MAX_PATH_LENGTH + 1);
  if (INDEX.test(name)) return bounded(`${parent}[${name}]`, MAX_PATH_LENGTH);
  return bounded(parent ? `${parent}.${name}` : name, MAX_PATH_LENGTH);
}
