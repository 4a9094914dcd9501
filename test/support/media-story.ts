/**
 * One playback told once and written in both wire formats, the MCA's and the Media Edge API's,
 * by hand from the contract's mapping (C10), not from the service's tables.
 */
export interface StoryStep {
  readonly name: string;
  /** ms after the start. */
  readonly at: number;
  readonly playhead: number;
  readonly pod?: { index: number; offset: number; friendlyName?: string };
  readonly ad?: {
    id: string;
    name: string;
    length: number;
    podPosition: number;
    playerName: string;
  };
  readonly chapter?: { index: number; offset: number; length: number; friendlyName?: string };
  readonly error?: { id: string; source: 'player' | 'external' };
  readonly states?: { start?: string[]; end?: string[] };
  readonly bitrateKbps?: number;
}

export const CONTENT = {
  id: 'story-1',
  name: 'A Story',
  length: 120,
  contentType: 'VOD',
  playerName: 'story-player',
  channel: 'story-channel',
};

/** 120 s of VOD: a pre-roll of one ad (1 s pings), two chapters, a pause, buffering, a bitrate change, states, an error, complete, end. */
export const STORY: readonly StoryStep[] = [
  { name: 'adBreakStart', at: 100, playhead: 0, pod: { index: 0, offset: 0, friendlyName: 'pre' } },
  {
    name: 'adStart',
    at: 200,
    playhead: 0,
    ad: { id: 'ad-1', name: 'First ad', length: 5, podPosition: 0, playerName: 'ads' },
  },
  { name: 'play', at: 300, playhead: 0 },
  ...[1, 2, 3, 4].map((s) => ({ name: 'ping', at: 300 + s * 1000, playhead: 0 })),
  { name: 'adComplete', at: 5300, playhead: 0 },
  { name: 'adBreakComplete', at: 5400, playhead: 0 },
  {
    name: 'chapterStart',
    at: 5500,
    playhead: 0,
    chapter: { index: 0, offset: 0, length: 60, friendlyName: 'One' },
  },
  { name: 'play', at: 5600, playhead: 0 },
  { name: 'ping', at: 15_600, playhead: 10 },
  { name: 'bitrateChange', at: 16_600, playhead: 11, bitrateKbps: 2400 },
  { name: 'pauseStart', at: 20_600, playhead: 15 },
  { name: 'play', at: 25_600, playhead: 15 },
  { name: 'statesUpdate', at: 26_600, playhead: 16, states: { start: ['fullScreen'] } },
  { name: 'bufferStart', at: 30_600, playhead: 20 },
  { name: 'play', at: 32_600, playhead: 20 },
  { name: 'error', at: 35_600, playhead: 23, error: { id: 'E-9', source: 'player' } },
  { name: 'ping', at: 45_600, playhead: 33 },
  { name: 'chapterComplete', at: 72_600, playhead: 60 },
  {
    name: 'chapterStart',
    at: 72_700,
    playhead: 60,
    chapter: { index: 1, offset: 60, length: 60, friendlyName: 'Two' },
  },
  {
    name: 'statesUpdate',
    at: 80_000,
    playhead: 67,
    states: { end: ['fullScreen'], start: ['mute'] },
  },
  { name: 'ping', at: 90_000, playhead: 77 },
  { name: 'chapterComplete', at: 132_700, playhead: 120 },
  { name: 'sessionComplete', at: 132_800, playhead: 120 },
  { name: 'sessionEnd', at: 132_900, playhead: 120 },
];

/** The MCA body of a step (contract C3). */
export function mcaBody(step: StoryStep, t0: number): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  if (step.pod) {
    params['media.ad.podIndex'] = step.pod.index;
    params['media.ad.podSecond'] = step.pod.offset;
    if (step.pod.friendlyName) params['media.ad.podFriendlyName'] = step.pod.friendlyName;
  }
  if (step.ad) {
    params['media.ad.id'] = step.ad.id;
    params['media.ad.name'] = step.ad.name;
    params['media.ad.length'] = step.ad.length;
    params['media.ad.podPosition'] = step.ad.podPosition;
    params['media.ad.playerName'] = step.ad.playerName;
  }
  if (step.chapter) {
    params['media.chapter.index'] = step.chapter.index;
    params['media.chapter.offset'] = step.chapter.offset;
    params['media.chapter.length'] = step.chapter.length;
    if (step.chapter.friendlyName) params['media.chapter.friendlyName'] = step.chapter.friendlyName;
  }
  if (step.error) {
    params['media.errorId'] = step.error.id;
    params['media.errorSource'] = step.error.source;
  }
  if (step.states) {
    const names = (list?: string[]) => list?.map((name) => ({ 'media.state.name': name }));
    if (step.states.start) params.statesStart = names(step.states.start);
    if (step.states.end) params.statesEnd = names(step.states.end);
  }
  return {
    eventType: step.name,
    playerTime: { playhead: step.playhead, ts: t0 + step.at },
    ...(Object.keys(params).length > 0 ? { params } : {}),
    ...(step.bitrateKbps ? { qoeData: { 'media.qoe.bitrate': step.bitrateKbps * 1000 } } : {}),
  };
}

export function mcaStart(t0: number): Record<string, unknown> {
  return {
    eventType: 'sessionStart',
    playerTime: { playhead: 0, ts: t0 },
    params: {
      'analytics.trackingServer': 'example.hb-api.omtrdc.net',
      'analytics.reportSuite': 'rs',
      'visitor.marketingCloudOrgId': 'ORG@AdobeOrg',
      'media.id': CONTENT.id,
      'media.name': CONTENT.name,
      'media.length': CONTENT.length,
      'media.contentType': CONTENT.contentType,
      'media.playerName': CONTENT.playerName,
      'media.channel': CONTENT.channel,
    },
  };
}

/** The XDM `mediaCollection` of a step (media-edge-format.md section 3), without its sessionID. */
export function edgeMediaCollection(step: StoryStep): Record<string, unknown> {
  const mc: Record<string, unknown> = { playhead: step.playhead };
  if (step.pod) mc.advertisingPodDetails = { ...step.pod };
  if (step.ad) {
    mc.advertisingDetails = {
      name: step.ad.id,
      friendlyName: step.ad.name,
      length: step.ad.length,
      podPosition: step.ad.podPosition,
      playerName: step.ad.playerName,
    };
  }
  if (step.chapter) mc.chapterDetails = { ...step.chapter };
  if (step.error) mc.errorDetails = { name: step.error.id, source: step.error.source };
  if (step.states) {
    const names = (list?: string[]) => list?.map((name) => ({ name }));
    if (step.states.start) mc.statesStart = names(step.states.start);
    if (step.states.end) mc.statesEnd = names(step.states.end);
  }
  if (step.bitrateKbps) mc.qoeDataDetails = { bitrate: step.bitrateKbps };
  return mc;
}

export function edgeStartMediaCollection(): Record<string, unknown> {
  return {
    playhead: 0,
    sessionDetails: {
      name: CONTENT.id,
      friendlyName: CONTENT.name,
      length: CONTENT.length,
      contentType: CONTENT.contentType,
      playerName: CONTENT.playerName,
      channel: CONTENT.channel,
    },
  };
}
