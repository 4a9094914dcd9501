import { type ObjectSpec, optionalString, requiredString } from './param-spec.js';
import { SESSION_START_PARAMS } from './session-params.js';

/** Every eventType of the Media Collection API (contract C2, C3). */
export const EVENT_TYPES = [
  'sessionStart',
  'play',
  'ping',
  'pauseStart',
  'bufferStart',
  'bitrateChange',
  'error',
  'adBreakStart',
  'adBreakComplete',
  'adStart',
  'adComplete',
  'adSkip',
  'chapterStart',
  'chapterComplete',
  'chapterSkip',
  'stateStart',
  'stateEnd',
  'statesUpdate',
  'sessionComplete',
  'sessionEnd',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** Every type but sessionStart, which only `POST /api/v1/sessions` takes. */
export const SESSION_EVENT_TYPES = EVENT_TYPES.filter(
  (type): type is Exclude<EventType, 'sessionStart'> => type !== 'sessionStart',
);

/** A member of the body, named by its top-level member and its key there. */
export interface MemberRef {
  readonly member: 'params' | 'qoeData';
  readonly key: string;
}

export interface EventRules {
  /** The known `params` keys and their types; other keys are accepted and stored. */
  readonly params: ObjectSpec;
  /** `required`: the member must be there; `forbidden`: it must be absent (ping). */
  readonly paramsPresence: 'required' | 'optional' | 'forbidden';
  /** Whether the event may carry `customMetadata` (contract C1). */
  readonly customMetadata: boolean;
  /** At least one of these members must be present. */
  readonly requiresOneOf?: readonly MemberRef[];
}

export const STATE_NAME_PATTERN = '^[A-Za-z0-9_.]{1,64}$';
const stateName = { type: 'string', required: true, pattern: STATE_NAME_PATTERN } as const;
const stateList = { type: 'array', items: { 'media.state.name': stateName } } as const;
const errorSource = { type: 'string', enum: ['player', 'external'] } as const;

const AD_METADATA_KEYS = [
  'media.ad.name',
  'media.ad.advertiser',
  'media.ad.campaignId',
  'media.ad.creativeId',
  'media.ad.siteId',
  'media.ad.creativeURL',
  'media.ad.placementId',
] as const;

const plain: EventRules = { params: {}, paramsPresence: 'optional', customMetadata: false };

/**
 * The one statement of what each event must and may carry (contract C1 to C3, reference
 * sections 2 and 3). Request validation, `GET /api/v1/schemas/{eventType}` and the OpenAPI
 * document are all derived from it.
 */
export const EVENT_CATALOGUE: Readonly<Record<EventType, EventRules>> = {
  sessionStart: { params: SESSION_START_PARAMS, paramsPresence: 'required', customMetadata: true },
  play: plain,
  ping: { params: {}, paramsPresence: 'forbidden', customMetadata: false },
  pauseStart: plain,
  bufferStart: plain,
  bitrateChange: plain,
  error: {
    params: { 'media.errorId': { type: 'string', minLength: 1 }, 'media.errorSource': errorSource },
    paramsPresence: 'optional',
    customMetadata: false,
    requiresOneOf: [
      { member: 'params', key: 'media.errorId' },
      { member: 'qoeData', key: 'media.qoe.errorID' },
    ],
  },
  adBreakStart: {
    params: {
      'media.ad.podIndex': { type: 'integer', required: true, minimum: 0 },
      'media.ad.podSecond': { type: 'number', required: true, minimum: 0 },
      'media.ad.podFriendlyName': optionalString,
    },
    paramsPresence: 'required',
    customMetadata: false,
  },
  adBreakComplete: plain,
  adStart: {
    params: {
      'media.ad.id': requiredString,
      'media.ad.length': { type: 'number', required: true, exclusiveMinimum: 0 },
      'media.ad.podPosition': { type: 'integer', required: true, minimum: 0 },
      'media.ad.playerName': requiredString,
      ...Object.fromEntries(AD_METADATA_KEYS.map((key) => [key, optionalString])),
    },
    paramsPresence: 'required',
    customMetadata: true,
  },
  adComplete: plain,
  adSkip: plain,
  chapterStart: {
    params: {
      'media.chapter.index': { type: 'integer', required: true, minimum: 0 },
      'media.chapter.offset': { type: 'number', required: true, minimum: 0 },
      'media.chapter.length': { type: 'number', required: true, exclusiveMinimum: 0 },
      'media.chapter.friendlyName': optionalString,
    },
    paramsPresence: 'required',
    customMetadata: true,
  },
  chapterComplete: plain,
  chapterSkip: plain,
  stateStart: {
    params: { 'media.state.name': stateName },
    paramsPresence: 'required',
    customMetadata: false,
  },
  stateEnd: {
    params: { 'media.state.name': stateName },
    paramsPresence: 'required',
    customMetadata: false,
  },
  statesUpdate: {
    params: { statesStart: stateList, statesEnd: stateList },
    paramsPresence: 'required',
    customMetadata: false,
    requiresOneOf: [
      { member: 'params', key: 'statesStart' },
      { member: 'params', key: 'statesEnd' },
    ],
  },
  sessionComplete: plain,
  sessionEnd: plain,
};

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}
