import { joinPath } from '../validation/json-path.js';

/**
 * Bounds on a parsed body's shape (contract C1). The deepest legitimate body is a downloaded
 * batch: array > event > params > visitor.customerIDs > one id object, five containers.
 */
export const MAX_JSON_DEPTH = 6;
export const MAX_KEYS_PER_OBJECT = 1000;

/** Keys that could reach an object's prototype when copied onto a class instance. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

/**
 * PostgreSQL cannot store a NUL character in text or jsonb, nor an unpaired UTF-16 surrogate
 * (JSON allows `"\\ud800"`): such strings are the client's fault, so they are a 400 here, not a
 * database error later.
 */
function unstorable(text: string): boolean {
  return text.includes('\u0000') || !text.isWellFormed();
}

type Kind = 'string' | 'number' | 'depth' | 'keys' | 'reserved' | 'member-name';

/** What is wrong, and where: the keys from the value found up to the top, innermost first. */
interface Problem {
  readonly kind: Kind;
  readonly key?: string;
  readonly keys: Array<string | number>;
}

/**
 * One walk over the parsed value, which costs a few operations per value: no path is built
 * unless a problem is found, and then only the problem's (bounded like every error path).
 */
export function jsonShapeProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const problem = visit(value, 1, maxDepth);
  if (!problem) return undefined;
  let path = '';
  for (let i = problem.keys.length - 1; i >= 0; i -= 1) {
    path = joinPath(path, String(problem.keys[i]));
  }
  const where = path || 'the top level';
  switch (problem.kind) {
    case 'string':
      return `the string at ${where} holds a NUL character or invalid UTF-16`;
    // JSON's 1e400 parses to Infinity, which JSON cannot write back: it would be stored as null,
    // another value than the one sent (contract C1: numbers are finite).
    case 'number':
      return `the number at ${where} is too large for a finite number`;
    case 'depth':
      return `JSON is nested deeper than ${maxDepth} levels`;
    case 'keys':
      return `a JSON object has more than ${MAX_KEYS_PER_OBJECT} members`;
    case 'reserved':
      return `the member name "${problem.key}" is not allowed`;
    case 'member-name':
      return `a member name in ${where} holds a NUL character or invalid UTF-16`;
  }
}

function visit(value: unknown, depth: number, maxDepth: number): Problem | undefined {
  if (typeof value === 'string') return unstorable(value) ? found('string') : undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : found('number');
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > maxDepth) return found('depth');
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const problem = visit(value[i], depth + 1, maxDepth);
      if (problem) return within(problem, i);
    }
    return undefined;
  }
  const keys = Object.keys(value);
  if (keys.length > MAX_KEYS_PER_OBJECT) return found('keys');
  for (const key of keys) {
    if (RESERVED_KEYS.has(key)) return { kind: 'reserved', key, keys: [] };
    if (unstorable(key)) return found('member-name');
    const problem = visit((value as Record<string, unknown>)[key], depth + 1, maxDepth);
    if (problem) return within(problem, key);
  }
  return undefined;
}

const found = (kind: Kind): Problem => ({ kind, keys: [] });

function within(problem: Problem, key: string | number): Problem {
  problem.keys.push(key);
  return problem;
}
