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
  'contentComplete',
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
  /** `required`: the member must be there (with the required keys, so `{}` is no answer). */
  readonly paramsPresence: 'required' | 'optional';
  /** Whether the event may carry `customMetadata` (contract C1). */
  readonly customMetadata: boolean;
  /** At least one of these members must be present. */
  readonly requiresOneOf?: readonly MemberRef[];
}

export const STATE_NAME_PATTERN = '^[A-Za-z0-9_.]{1,64}$';
const stateName = { type: 'string', required: true, pattern: STATE_NAME_PATTERN } as const;
/** A statesUpdate names at most this many states in each list (contract C1, C3). */
export const MAX_STATES_PER_LIST = 100;
const stateList = {
  type: 'array',
  maxItems: MAX_STATES_PER_LIST,
  items: { 'media.state.name': stateName },
} as const;
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
  // Real players send `params: {}` on every event, pings included (contract C1).
  ping: plain,
  pauseStart: plain,
  bufferStart: plain,
  bitrateChange: plain,
  // Adobe's own timelines send an error without any id: counted with the id unknown (C3).
  error: {
    params: { 'media.errorId': { type: 'string', minLength: 1 }, 'media.errorSource': errorSource },
    paramsPresence: 'optional',
    customMetadata: false,
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
      // 0: the length is unknown (contract C3).
      'media.ad.length': { type: 'number', required: true, minimum: 0 },
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
      'media.chapter.length': { type: 'number', required: true, minimum: 0 },
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
  // Adobe's 2018 reference player ends content with this instead of sessionComplete (C3).
  contentComplete: plain,
  sessionEnd: plain,
};

/**
 * A sessionStart on the Media Edge API (contract C10): Adobe's schema asks for the content's
 * details only, so it has no `analytics.*` or `visitor.*` params.
 */
export const EDGE_SESSION_START: EventRules = {
  ...EVENT_CATALOGUE.sessionStart,
  params: Object.fromEntries(
    Object.entries(SESSION_START_PARAMS).filter(([key]) => !/^(analytics|visitor)\./.test(key)),
  ),
};

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}
