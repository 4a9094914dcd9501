/**
 * Bounds on a parsed body's shape (contract C1). The deepest legitimate body is a downloaded
 * batch: array > event > params > visitor.customerIDs > one id object, five containers.
 */
export const MAX_JSON_DEPTH = 6;
export const MAX_KEYS_PER_OBJECT = 1000;

/** Keys that could reach an object's prototype when copied onto a class instance. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function jsonShapeProblem(value: unknown): string | undefined {
  return visit(value, 1);
}

function visit(value: unknown, depth: number): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_JSON_DEPTH) return `JSON is nested deeper than ${MAX_JSON_DEPTH} levels`;
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = visit(item, depth + 1);
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
    const problem = visit((value as Record<string, unknown>)[key], depth + 1);
    if (problem) return problem;
  }
  return undefined;
}
