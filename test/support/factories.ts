/** The seed page's sample body (contract C2), with the `...` placeholders left out. */
export function aSessionStart(
  overrides: {
    playerTime?: Record<string, unknown>;
    params?: Record<string, unknown>;
    body?: Record<string, unknown>;
  } = {},
): Record<string, unknown> {
  return {
    playerTime: { playhead: 0, ts: 1509045324153, ...overrides.playerTime },
    eventType: 'sessionStart',
    params: {
      'media.playerName': 'sample-html5-api-player',
      'analytics.trackingServer': '<your-aa-tracking-server>',
      'analytics.reportSuite': '<your-aa-rsid>',
      'analytics.visitorId': '<your-userId>',
      'media.contentType': 'VOD',
      'media.length': 60.39333333333333,
      'media.id': 'MA API Sample Player',
      'visitor.marketingCloudOrgId': '<your-org-id>',
      'media.name': 'ClickMe',
      'media.channel': 'sample-channel',
      'media.sdkVersion': 'va-api-0.0.0',
      'analytics.enableSSL': false,
      ...overrides.params,
    },
    customMetadata: { myCustomData: '<your metadata>', myCustomData2: '<your metadata>' },
    qoeData: { param1: '<your param-value>', param2: '<your param-value>' },
    ...overrides.body,
  };
}

/** Removes one member (by a dotted path of real keys) from a copy of a body. */
export function without(
  body: Record<string, unknown>,
  member: string,
  key?: string,
): Record<string, unknown> {
  const copy = structuredClone(body);
  if (key === undefined) {
    delete copy[member];
  } else {
    delete (copy[member] as Record<string, unknown>)[key];
  }
  return copy;
}

/** The non-empty string params sessionStart requires, as contract C2 lists them (not read from the catalogue). */
export const REQUIRED_STRING_PARAMS = [
  'analytics.trackingServer',
  'analytics.reportSuite',
  'visitor.marketingCloudOrgId',
  'media.id',
  'media.contentType',
  'media.playerName',
  'media.channel',
] as const;

/** Valid params for the event types that require some (contract C3). */
const EVENT_PARAMS: Readonly<Record<string, Record<string, unknown>>> = {
  adBreakStart: {
    'media.ad.podIndex': 0,
    'media.ad.podSecond': 0,
    'media.ad.podFriendlyName': 'pre-roll',
  },
  adStart: {
    'media.ad.id': 'ad-1',
    'media.ad.length': 15,
    'media.ad.podPosition': 0,
    'media.ad.playerName': 'sample-ad-player',
    'media.ad.name': 'Sample ad',
  },
  chapterStart: { 'media.chapter.index': 0, 'media.chapter.offset': 0, 'media.chapter.length': 30 },
  stateStart: { 'media.state.name': 'fullscreen' },
  stateEnd: { 'media.state.name': 'fullscreen' },
  statesUpdate: {
    statesStart: [{ 'media.state.name': 'mute' }],
    statesEnd: [{ 'media.state.name': 'fullscreen' }],
  },
  error: { 'media.errorId': 'E42', 'media.errorSource': 'player' },
};

/** A valid body of any event type but sessionStart; overrides replace whole members. */
export function anEvent(
  eventType: string,
  overrides: {
    playerTime?: Record<string, unknown>;
    params?: Record<string, unknown>;
    body?: Record<string, unknown>;
  } = {},
): Record<string, unknown> {
  const params = { ...EVENT_PARAMS[eventType], ...overrides.params };
  return {
    playerTime: { playhead: 0, ts: 1509045324153, ...overrides.playerTime },
    eventType,
    ...(eventType === 'ping' || Object.keys(params).length === 0 ? {} : { params }),
    ...overrides.body,
  };
}

/** The 20 eventTypes contract C3 accepts on /events, written out by hand (not read from the catalogue). */
export const CONTRACT_EVENT_TYPES = [
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
