import { type EventType } from '../media/event-catalogue.js';

/**
 * How the Media Edge API's XDM (`xdm.mediaCollection`) maps onto the Media Collection API's
 * members (contract C10, media-edge-format.md section 3). Only names and units live here: what a
 * member must hold is the event catalogue's to say, checked on the mapped event, so the two APIs
 * share one statement of the rules.
 */

/** One member of an XDM details object and the MCA param it becomes. */
export interface XdmField {
  readonly param: string;
  /** Adobe's schema types it `integer` where the MCA takes any number. */
  readonly integer?: true;
  /** Adobe's schema requires it where the catalogue does not (an error's name and source). */
  readonly required?: true;
}

export type XdmFields = Readonly<Record<string, XdmField>>;

const text = (param: string): XdmField => ({ param });
const whole = (param: string): XdmField => ({ param, integer: true });

/** Standard content metadata: the XDM name and the `media.*` param (reference 3.3). */
const STANDARD_METADATA: XdmFields = Object.fromEntries(
  [
    ['show', 'media.show'],
    ['season', 'media.season'],
    ['episode', 'media.episode'],
    ['assetID', 'media.assetId'],
    ['genre', 'media.genre'],
    ['firstAirDate', 'media.firstAirDate'],
    ['firstDigitalDate', 'media.firstDigitalDate'],
    ['rating', 'media.rating'],
    ['originator', 'media.originator'],
    ['network', 'media.network'],
    ['showType', 'media.showType'],
    ['streamFormat', 'media.streamFormat'],
    ['adLoad', 'media.adLoad'],
    ['mvpd', 'media.pass.mvpd'],
    ['authorized', 'media.pass.auth'],
    ['dayPart', 'media.dayPart'],
    ['feed', 'media.feed'],
    ['artist', 'media.artist'],
    ['album', 'media.album'],
    ['label', 'media.label'],
    ['author', 'media.author'],
    ['station', 'media.station'],
    ['publisher', 'media.publisher'],
  ].map(([xdm, param]) => [xdm, text(param)]),
);

export const SESSION_DETAILS: XdmFields = {
  name: text('media.id'),
  friendlyName: text('media.name'),
  length: whole('media.length'),
  contentType: text('media.contentType'),
  playerName: text('media.playerName'),
  channel: text('media.channel'),
  streamType: text('media.streamType'),
  hasResume: text('media.resume'),
  isDownloaded: text('media.downloaded'),
  // Adobe's Media SDKs report their version here; the MCA calls it media.sdkVersion.
  appVersion: text('media.sdkVersion'),
  ...STANDARD_METADATA,
};

export const AD_POD_DETAILS: XdmFields = {
  index: whole('media.ad.podIndex'),
  offset: whole('media.ad.podSecond'),
  friendlyName: text('media.ad.podFriendlyName'),
};

export const AD_DETAILS: XdmFields = {
  // The ad's id: Adobe's Edge calls it `name` and the ad's title `friendlyName`.
  name: text('media.ad.id'),
  friendlyName: text('media.ad.name'),
  length: whole('media.ad.length'),
  podPosition: whole('media.ad.podPosition'),
  playerName: text('media.ad.playerName'),
  advertiser: text('media.ad.advertiser'),
  campaignID: text('media.ad.campaignId'),
  creativeID: text('media.ad.creativeId'),
  creativeURL: text('media.ad.creativeURL'),
  placementID: text('media.ad.placementId'),
  siteID: text('media.ad.siteId'),
};

export const CHAPTER_DETAILS: XdmFields = {
  index: whole('media.chapter.index'),
  offset: whole('media.chapter.offset'),
  length: whole('media.chapter.length'),
  friendlyName: text('media.chapter.friendlyName'),
};

export const ERROR_DETAILS: XdmFields = {
  name: { param: 'media.errorId', required: true },
  source: { param: 'media.errorSource', required: true },
};

/** QoE: Edge's bitrate is in kbps and its time to start in seconds; the MCA's in bps and ms. */
export const QOE_DETAILS: Readonly<
  Record<string, { readonly key: string; readonly scale: number }>
> = {
  bitrate: { key: 'media.qoe.bitrate', scale: 1000 },
  droppedFrames: { key: 'media.qoe.droppedFrames', scale: 1 },
  framesPerSecond: { key: 'media.qoe.framesPerSecond', scale: 1 },
  timeToStart: { key: 'media.qoe.timeToStart', scale: 1000 },
};

/** The details object an event's params come from, if any. */
export interface EdgeEventShape {
  readonly type: EventType;
  /** The member of `mediaCollection` whose fields become the params, and their mapping. */
  readonly details?: { readonly member: string; readonly fields: XdmFields };
  readonly states?: true;
  readonly customMetadata?: true;
  readonly qoeRequired?: true;
}

/**
 * The 19 paths of the Media Edge API but `downloaded` (a whole session of these), each with the
 * MCA event it is and where its params come from. Resume and the end of buffering are a `play`.
 */
export const EDGE_EVENTS = {
  sessionStart: {
    type: 'sessionStart',
    details: { member: 'sessionDetails', fields: SESSION_DETAILS },
    customMetadata: true,
  },
  sessionComplete: { type: 'sessionComplete' },
  sessionEnd: { type: 'sessionEnd' },
  play: { type: 'play' },
  ping: { type: 'ping' },
  pauseStart: { type: 'pauseStart' },
  bufferStart: { type: 'bufferStart' },
  bitrateChange: { type: 'bitrateChange', qoeRequired: true },
  error: { type: 'error', details: { member: 'errorDetails', fields: ERROR_DETAILS } },
  adBreakStart: {
    type: 'adBreakStart',
    details: { member: 'advertisingPodDetails', fields: AD_POD_DETAILS },
  },
  adBreakComplete: { type: 'adBreakComplete' },
  adStart: {
    type: 'adStart',
    details: { member: 'advertisingDetails', fields: AD_DETAILS },
    customMetadata: true,
  },
  adComplete: { type: 'adComplete' },
  adSkip: { type: 'adSkip' },
  chapterStart: {
    type: 'chapterStart',
    details: { member: 'chapterDetails', fields: CHAPTER_DETAILS },
    customMetadata: true,
  },
  chapterComplete: { type: 'chapterComplete' },
  chapterSkip: { type: 'chapterSkip' },
  statesUpdate: { type: 'statesUpdate', states: true },
} as const satisfies Readonly<Record<string, EdgeEventShape>>;

export type EdgeEventName = keyof typeof EDGE_EVENTS;

/** The Media Edge paths (`POST /ee/va/v1/{name}`): every event's, and a whole offline session's. */
export const EDGE_PATH_NAMES = [...(Object.keys(EDGE_EVENTS) as EdgeEventName[]), 'downloaded'];

/**
 * Details Adobe's docs refuse on the events that end what they describe (media-edge-format.md
 * section 3: D/ads:104, 198; D/chapters:102, 143). Elsewhere a details member an event does not
 * take is ignored, as other members are.
 */
export const REFUSED_DETAILS: Readonly<Partial<Record<EdgeEventName, string>>> = {
  adBreakComplete: 'advertisingPodDetails',
  adComplete: 'advertisingDetails',
  chapterComplete: 'chapterDetails',
  chapterSkip: 'chapterDetails',
};

export function isEdgeEventName(name: string): name is EdgeEventName {
  return Object.prototype.hasOwnProperty.call(EDGE_EVENTS, name);
}
