/**
 * Bounds on a parsed body's shape (contract C1). The deepest legitimate body is a downloaded
 * batch: array > event > params > visitor.customerIDs > one id object, five containers.
 */
export const MAX_JSON_DEPTH = 6;
export const MAX_KEYS_PER_OBJECT = 1000;

/** Keys that could reach an object's prototype when copied onto a class instance. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * PostgreSQL cannot store a NUL character in text or jsonb, nor an unpaired UTF-16 surrogate
 * (JSON allows `"\\ud800"`): such strings are the client's fault, so they are a 400 here, not a
 * database error later.
 */
function unstorable(text: string): boolean {
  return text.includes('\u0000') || !text.isWellFormed();
}

export function jsonShapeProblem(value: unknown): string | undefined {
  return visit(value, 1, '');
}

function visit(value: unknown, depth: number, path: string): string | undefined {
  if (typeof value === 'string') {
    return unstorable(value)
      ? `the string at ${path || 'the top level'} holds a NUL character or invalid UTF-16`
      : undefined;
  }
  // JSON's 1e400 parses to Infinity, which JSON cannot write back: it would be stored as null,
  // another value than the one sent (contract C1: numbers are finite).
  if (typeof value === 'number') {
    return Number.isFinite(value)
      ? undefined
      : `the number at ${path || 'the top level'} is too large for a finite number`;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_JSON_DEPTH) return `JSON is nested deeper than ${MAX_JSON_DEPTH} levels`;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const problem = visit(item, depth + 1, `${path}[${index}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  const keys = Object.keys(value);
  if (keys.length > MAX_KEYS_PER_OBJECT) {
    return `a JSON object has more than ${MAX_KEYS_PER_OBJECT} members`;
  }
  for (const key of keys) {
    if (RESERVED_KEYS.has(key)) return `the member name "${key}" is not allowed`;
    const memberPath = path ? `${path}.${key}` : key;
    if (unstorable(key))
      return `a member name in ${path || 'the top level'} holds a NUL character or invalid UTF-16`;
    const problem = visit((value as Record<string, unknown>)[key], depth + 1, memberPath);
    if (problem) return problem;
  }
  return undefined;
}
