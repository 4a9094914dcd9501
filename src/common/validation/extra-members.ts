import { getMetadataStorage, type ValidationError } from 'class-validator';

/**
 * What a DTO does with members it does not declare. class-validator's `whitelist` is all or
 * nothing across nesting, but the contract is strict about the envelope (C1: unknown top-level
 * members are 400) and open inside `params` (unknown keys are stored), so each class says.
 * A function policy returns a problem sentence for a member it refuses. A class with a policy
 * marks each member that holds objects with `Nests` (member-shapes.ts): its rules read a view of
 * the body in which any other member holding an object or array holds an empty one.
 */
export type ExtraMemberPolicy =
  'forbid' | 'accept' | ((key: string, value: unknown) => string | undefined);

const policies = new Map<object, ExtraMemberPolicy>();
const declaredMembers = new Map<object, ReadonlySet<string>>();

export function ExtraMembers(policy: ExtraMemberPolicy): ClassDecorator {
  return (target) => {
    policies.set(target, policy);
  };
}

/**
 * The members a DTO declares, when undeclared ones are judged here (it has a policy): only then
 * may a view of a body leave the others out, since they are read from the parsed body anyway.
 */
export function declaredMembersOf(type: object): ReadonlySet<string> | undefined {
  return policies.has(type) ? declared(type) : undefined;
}

function declared(type: object): ReadonlySet<string> {
  let members = declaredMembers.get(type);
  if (!members) {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(
      type as new () => object,
      '',
      true,
      false,
    );
    members = new Set(metadata.map((m) => m.propertyName));
    declaredMembers.set(type, members);
  }
  return members;
}

/** How many more member errors are worth finding: a request names at most 101 (contract C6). */
export interface ErrorBudget {
  left: number;
}

/**
 * Errors for undeclared members, in the same tree shape class-validator reports, until `budget`
 * runs out. The members are read from the parsed body (`plain`), not only from the
 * class-transformer copy: the copy leaves out members named like inherited methods (`toString`,
 * `valueOf`), which must still be judged.
 */
export function extraMemberErrors(
  instance: unknown,
  plain: unknown = instance,
  budget: ErrorBudget = { left: Infinity },
): ValidationError[] {
  if (instance === null || typeof instance !== 'object') return [];
  const raw = (key: string) => (plain as Record<string, unknown> | null)?.[key];
  const errors: ValidationError[] = [];
  if (instance instanceof Map) {
    for (const [key, value] of instance.entries()) {
      if (budget.left <= 0) break;
      errors.push(...nest(String(key), value, raw(String(key)), budget));
    }
    return errors;
  }
  if (Array.isArray(instance)) {
    for (const [i, item] of instance.entries()) {
      if (budget.left <= 0) break;
      errors.push(...nest(String(i), item, raw(String(i)), budget));
    }
    return errors;
  }
  const type = (Object.getPrototypeOf(instance) as { constructor: object }).constructor;
  const policy = policies.get(type);
  if (policy === undefined) return [];
  const members = declared(type);
  const source = typeof plain === 'object' && plain !== null ? plain : instance;
  for (const [key, value] of Object.entries(source)) {
    if (budget.left <= 0) break;
    if (members.has(key)) {
      errors.push(...nest(key, (instance as Record<string, unknown>)[key], value, budget));
      continue;
    }
    const problem =
      policy === 'forbid'
        ? 'is not an allowed member here'
        : policy === 'accept'
          ? undefined
          : policy(key, value);
    if (problem) {
      budget.left -= 1;
      errors.push({ property: key, constraints: { extraMember: problem }, children: [] });
    }
  }
  return errors;
}

function nest(
  property: string,
  value: unknown,
  plain: unknown,
  budget: ErrorBudget,
): ValidationError[] {
  const children = extraMemberErrors(value, plain ?? value, budget);
  return children.length > 0 ? [{ property, children }] : [];
}
