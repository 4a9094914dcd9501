/** Longest string a log line carries from anything a client sent. */
export const MAX_LOGGED_STRING = 300;
const MAX_LOGGED_KEYS = 30;
const MAX_DEPTH = 3;

/**
 * A copy of `value` fit for a log line: long strings cut (with how much was cut), objects and
 * arrays bounded in size and depth. Escaping is the JSON encoder's job: control characters, quotes
 * and newlines leave as escapes, so a client's string can never forge a line or a field.
 */
export function logSafe(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.length <= MAX_LOGGED_STRING
      ? value
      : `${value.slice(0, MAX_LOGGED_STRING)}…(${value.length - MAX_LOGGED_STRING} more)`;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Error) return logSafe(`${value.name}: ${value.message}`, depth);
  if (depth >= MAX_DEPTH) return '[object]';
  if (Array.isArray(value)) {
    return value.slice(0, MAX_LOGGED_KEYS).map((item) => logSafe(item, depth + 1));
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value).slice(0, MAX_LOGGED_KEYS)) {
    copy[String(logSafe(key))] = logSafe((value as Record<string, unknown>)[key], depth + 1);
  }
  return copy;
}
