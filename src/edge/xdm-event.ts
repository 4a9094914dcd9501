import { type FieldError } from '../common/validation/field-error.js';
import { isJsonObject } from '../common/validation/json-object.js';
import { MAX_KEYS_PER_OBJECT, RESERVED_KEYS } from '../common/http/json-shape.js';
import {
  EDGE_EVENTS,
  type EdgeEventName,
  QOE_DETAILS,
  REFUSED_DETAILS,
  type XdmFields,
} from './xdm-fields.js';

type Json = Record<string, unknown>;
/** Notes that an MCA member's path came from an XDM path. */
type Note = (mcaPath: string, xdmPath: string) => void;

/** An Edge event turned into the MCA body of the same event, with where each member came from. */
export interface MappedEvent {
  /** `{eventType, playerTime, params?, qoeData?, customMetadata?}`, for the event catalogue to judge. */
  readonly body: Json;
  /** `mediaCollection.sessionID`, as sent. */
  readonly sessionId: unknown;
  /** What only the XDM can be wrong about (its containers, Adobe's integers), with XDM paths. */
  readonly problems: readonly FieldError[];
  /** The XDM path of an MCA member's path, for the catalogue's errors. */
  xdmPath(mcaPath: string): string;
}

/**
 * Maps one event's `xdm.mediaCollection` onto the MCA (contract C10): `base` is its JSON path
 * (`$.events[0].xdm.mediaCollection`) and `timestampPath` that of the time `ts` was read from.
 * Nothing is judged here that the catalogue judges: a value of the wrong type is carried over as
 * it is, and the catalogue names it, at its XDM path.
 */
export function mapXdmEvent(
  name: EdgeEventName,
  mediaCollection: Json,
  ts: number,
  base: string,
  timestampPath: string,
): MappedEvent {
  return mapped(name, mediaCollection, ts, base, timestampPath, false);
}

/** Where each member came from is written down only when an error asks (`record`): a valid ping needs none. */
function mapped(
  name: EdgeEventName,
  mediaCollection: Json,
  ts: number,
  base: string,
  timestampPath: string,
  record: boolean,
): MappedEvent {
  const shape: (typeof EDGE_EVENTS)[EdgeEventName] = EDGE_EVENTS[name];
  const problems: FieldError[] = [];
  const sources = new Map<string, string>();
  let traced: MappedEvent | undefined;
  const note: Note = record ? (mca, xdm) => void sources.set(mca, xdm) : () => undefined;
  note('playerTime', base);
  note('playerTime.playhead', `${base}.playhead`);
  note('playerTime.ts', timestampPath);
  note('eventType', timestampPath.replace(/\.timestamp$/, '.eventType'));
  const problem = (path: string, message: string) => problems.push({ path, message });

  const { playhead } = mediaCollection;
  if (typeof playhead === 'number' && !Number.isInteger(playhead)) {
    problem(`${base}.playhead`, 'must be an integer');
  }
  const body: Json = { eventType: shape.type, playerTime: { playhead, ts } };

  if ('details' in shape) {
    const { member, fields } = shape.details;
    note('params', `${base}.${member}`);
    const details = mediaCollection[member];
    if (details === undefined) {
      if (Object.values(fields).some((field) => field.required)) {
        problem(`${base}.${member}`, 'is required');
      }
    } else if (!isJsonObject(details)) {
      problem(`${base}.${member}`, 'must be a JSON object');
    } else {
      body.params = paramsOf(details, fields, `${base}.${member}`, member, note, problem);
    }
  }
  if ('states' in shape) {
    note('params', `${base}.statesStart`);
    const params: Json = {};
    for (const list of ['statesStart', 'statesEnd'] as const) {
      note(`params.${list}`, `${base}.${list}`);
      const states = mediaCollection[list];
      if (states === undefined) continue;
      params[list] = Array.isArray(states)
        ? states.map((state: unknown, i) => {
            const at = `${base}.${list}[${i}]`;
            note(`params.${list}[${i}]`, at);
            note(`params.${list}[${i}].media.state.name`, `${at}.name`);
            return isJsonObject(state) ? { 'media.state.name': state.name } : state;
          })
        : states;
    }
    if (Object.keys(params).length > 0) body.params = params;
  }
  if ('customMetadata' in shape && mediaCollection.customMetadata !== undefined) {
    body.customMetadata = customMetadataOf(mediaCollection.customMetadata, base, note, problem);
  }
  const qoe = mediaCollection.qoeDataDetails;
  // alloy's legacy tracker sends `qoeDataDetails: null` until the page sets a QoE object.
  if (qoe === undefined || qoe === null) {
    if ('qoeRequired' in shape) problem(`${base}.qoeDataDetails`, 'is required');
  } else if (!isJsonObject(qoe)) {
    problem(`${base}.qoeDataDetails`, 'must be a JSON object');
  } else {
    body.qoeData = qoeDataOf(qoe, `${base}.qoeDataDetails`, note);
  }
  const refused = REFUSED_DETAILS[name];
  if (refused !== undefined && mediaCollection[refused] !== undefined) {
    problem(`${base}.${refused}`, `is not allowed on media.${name}`);
  }
  return {
    body,
    sessionId: mediaCollection.sessionID,
    problems,
    xdmPath: record
      ? (mcaPath) => sources.get(mcaPath) ?? base
      : (mcaPath) =>
          (traced ??= mapped(name, mediaCollection, ts, base, timestampPath, true)).xdmPath(
            mcaPath,
          ),
  };
}

/** A details object's fields as MCA params; members without a mapping keep their XDM name below the object's. */
function paramsOf(
  details: Json,
  fields: XdmFields,
  at: string,
  member: string,
  note: Note,
  problem: (path: string, message: string) => void,
): Json {
  const params: Json = {};
  for (const [key, value] of Object.entries(details)) {
    const field = Object.prototype.hasOwnProperty.call(fields, key) ? fields[key] : undefined;
    const param = field?.param ?? `${member}.${key}`;
    params[param] = value;
    note(`params.${param}`, `${at}.${key}`);
    if (field?.integer && typeof value === 'number' && !Number.isInteger(value)) {
      problem(`${at}.${key}`, 'must be an integer');
    }
  }
  for (const [key, field] of Object.entries(fields)) {
    note(`params.${field.param}`, `${at}.${key}`);
    if (field.required && details[key] === undefined) problem(`${at}.${key}`, 'is required');
  }
  return params;
}

/** `[{name, value}]` as the MCA's flat map of strings. */
function customMetadataOf(
  list: unknown,
  base: string,
  note: Note,
  problem: (path: string, message: string) => void,
): Json | undefined {
  const at = `${base}.customMetadata`;
  if (!Array.isArray(list)) {
    problem(at, 'must be an array of {name, value}');
    return undefined;
  }
  // Its names become member names: held to what a parsed body's member names are (contract C1).
  if (list.length > MAX_KEYS_PER_OBJECT) {
    problem(at, `must hold at most ${MAX_KEYS_PER_OBJECT} entries`);
    return undefined;
  }
  const metadata: Json = {};
  list.forEach((item: unknown, i) => {
    if (!isJsonObject(item) || typeof item.name !== 'string' || typeof item.value !== 'string') {
      problem(`${at}[${i}]`, 'must be {name, value} with string values');
      return;
    }
    if (RESERVED_KEYS.has(item.name)) {
      problem(`${at}[${i}].name`, 'is not allowed');
      return;
    }
    metadata[item.name] = item.value;
    note(`customMetadata.${item.name}`, `${at}[${i}].name`);
  });
  note('customMetadata', at);
  return metadata;
}

/** Edge's QoE in the MCA's units (bps, ms); other members as they are. */
function qoeDataOf(qoe: Json, at: string, note: Note): Json {
  const qoeData: Json = {};
  for (const [key, value] of Object.entries(qoe)) {
    const known = Object.prototype.hasOwnProperty.call(QOE_DETAILS, key)
      ? QOE_DETAILS[key]
      : undefined;
    const mcaKey = known?.key ?? key;
    qoeData[mcaKey] = known && typeof value === 'number' ? value * known.scale : value;
    note(`qoeData.${mcaKey}`, `${at}.${key}`);
  }
  note('qoeData', at);
  return qoeData;
}
