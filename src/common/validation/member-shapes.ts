import { declaredMembersOf } from './extra-members.js';
import { type FieldError } from './field-error.js';
import { joinPath } from './json-path.js';
import { isJsonObject } from './json-object.js';

type DtoClass = new () => object;

/** A member that holds other validated objects: one, an array of them, or a map of them. */
interface NestedMember {
  readonly shape: 'object' | 'array' | 'map';
  readonly dto: DtoClass;
  /** For an array: the most items it may hold (contract C1). */
  readonly maxItems?: number;
}

const nestedMembers = new WeakMap<object, Map<string, NestedMember>>();

/**
 * Records that a DTO's member holds objects of another DTO, so that `oversizedArrays` can find
 * the capped arrays of a body without validating it. Used like the class-validator rules beside it.
 */
export function Nests(nested: NestedMember): (target: object, key: string) => void {
  return (target, key) => {
    const type = (target as { constructor: object }).constructor;
    let members = nestedMembers.get(type);
    if (!members) {
      members = new Map();
      nestedMembers.set(type, members);
    }
    members.set(key, nested);
  };
}

/**
 * The arrays of `value` that hold more items than its DTO allows, each named once. Checked before
 * anything else of the body (contract C1): it reads no item of an oversized array, so refusing
 * 21,000 states costs what refusing 101 does, and the answer names the array, not each item.
 */
export function oversizedArrays(dto: DtoClass, value: unknown, parent = ''): FieldError[] {
  const members = nestedMembers.get(dto);
  if (!members || !isJsonObject(value)) return [];
  const errors: FieldError[] = [];
  for (const [key, nested] of members) {
    const member = value[key];
    const path = joinPath(parent, key);
    if (nested.shape === 'array') {
      if (!Array.isArray(member)) continue;
      if (nested.maxItems !== undefined && member.length > nested.maxItems) {
        errors.push({ path, message: `must hold at most ${nested.maxItems} items` });
      } else if (nestedMembers.has(nested.dto)) {
        for (const [i, item] of member.entries()) {
          errors.push(...oversizedArrays(nested.dto, item, joinPath(path, String(i))));
        }
      }
    } else if (nested.shape === 'map') {
      if (!isJsonObject(member) || !nestedMembers.has(nested.dto)) continue;
      for (const [name, item] of Object.entries(member)) {
        errors.push(...oversizedArrays(nested.dto, item, joinPath(path, name)));
      }
    } else {
      errors.push(...oversizedArrays(nested.dto, member, path));
    }
  }
  return errors;
}

const emptyLike = (value: unknown): unknown =>
  value === null || typeof value !== 'object' ? value : Array.isArray(value) ? [] : {};

function viewOfMember(nested: NestedMember | undefined, member: unknown): unknown {
  if (!nested) return emptyLike(member);
  if (nested.shape === 'object') return viewOf(nested.dto, member);
  if (nested.shape === 'array') {
    return Array.isArray(member)
      ? member.map((item) => viewOf(nested.dto, item))
      : emptyLike(member);
  }
  if (!isJsonObject(member)) return emptyLike(member);
  const view: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(member)) view[name] = viewOf(nested.dto, item);
  return view;
}

/** A member that should hold an object of `dto`: its view, or what it holds emptied. */
const viewOf = (dto: DtoClass, value: unknown) =>
  isJsonObject(value) ? declaredView(dto, value) : emptyLike(value);

/**
 * What the DTO's rules read of `value`: its declared members, nested ones in their own view, and
 * an empty object or array in place of one a rule only asks the kind of (a string, a number, an
 * object). class-transformer copies a value member by member at about a microsecond each, so a
 * 4 MB element of unknown `params` members cost a second; the view costs the declared members
 * only. Undeclared members are still judged, from the parsed body (`extraMemberErrors`). A DTO
 * without an extra-member policy, or a value that is no JSON object, is returned as it is.
 */
export function declaredView(dto: DtoClass, value: unknown): unknown {
  const members = declaredMembersOf(dto);
  if (!members || !isJsonObject(value)) return value;
  const nested = nestedMembers.get(dto);
  const view: Record<string, unknown> = {};
  for (const key of members) {
    if (Object.hasOwn(value, key)) view[key] = viewOfMember(nested?.get(key), value[key]);
  }
  return view;
}
