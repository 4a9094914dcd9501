import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { mapXdmEvent } from '../../src/edge/xdm-event.js';
import { EDGE_EVENTS, type EdgeEventName } from '../../src/edge/xdm-fields.js';
import {
  EDGE_ANSWER_SCHEMA,
  EDGE_PROBLEM_SCHEMA,
  edgeEventSchema,
} from '../../src/edge/xdm-schema.js';
import { eventBodyErrors } from '../../src/sessions/event-checks.js';

const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
const SID = 'bfba9a5f'.repeat(8);

/**
 * Request bodies in the shapes media-edge-format.md section 3 gives for each path (Adobe's
 * OpenAPI `media-edge.yaml` and its docs), written out by hand: what a client following Adobe's
 * documents sends.
 */
const ADOBE_SHAPES: Record<EdgeEventName, Record<string, unknown>> = {
  sessionStart: {
    playhead: 0,
    sessionDetails: {
      name: 'VA API Sample Player',
      friendlyName: 'ClickMe',
      length: 60,
      contentType: 'VOD',
      playerName: 'sample-html5-api-player',
      channel: 'sample-channel',
      streamType: 'video',
      hasResume: false,
      show: 'Show',
      season: '1',
      episode: '2',
      assetID: 'asset',
      genre: 'drama',
      mvpd: 'mvpd',
      authorized: 'true',
      publisher: 'pub',
    },
    customMetadata: [{ name: '_tenant.myCustomData', value: 'value' }],
    qoeDataDetails: { bitrate: 3200, droppedFrames: 0, framesPerSecond: 24, timeToStart: 2 },
  },
  sessionComplete: { playhead: 60, sessionID: SID },
  sessionEnd: { playhead: 60, sessionID: SID },
  play: { playhead: 0, sessionID: SID },
  ping: { playhead: 10, sessionID: SID, qoeDataDetails: { bitrate: 3200 } },
  pauseStart: { playhead: 15, sessionID: SID },
  bufferStart: { playhead: 15, sessionID: SID },
  adBreakStart: {
    playhead: 15,
    sessionID: SID,
    advertisingPodDetails: { index: 1, offset: 15, friendlyName: 'Mid-roll' },
  },
  adBreakComplete: { playhead: 15, sessionID: SID },
  adStart: {
    playhead: 15,
    sessionID: SID,
    advertisingDetails: {
      name: 'ad-id',
      friendlyName: 'Ad',
      length: 15,
      podPosition: 1,
      playerName: 'ad-player',
      advertiser: 'ACME',
      campaignID: 'c',
      creativeID: 'cr',
      creativeURL: 'https://creative.test/ad',
      placementID: 'p',
      siteID: 's',
    },
    customMetadata: [{ name: '_tenant.adKind', value: 'promo' }],
  },
  adComplete: { playhead: 15, sessionID: SID },
  adSkip: { playhead: 15, sessionID: SID },
  bitrateChange: { playhead: 20, sessionID: SID, qoeDataDetails: { bitrate: 1500 } },
  chapterStart: {
    playhead: 20,
    sessionID: SID,
    chapterDetails: { index: 1, offset: 20, length: 30, friendlyName: 'Chapter 1' },
  },
  chapterComplete: { playhead: 50, sessionID: SID },
  chapterSkip: { playhead: 50, sessionID: SID },
  error: { playhead: 20, sessionID: SID, errorDetails: { name: 'E-42', source: 'player' } },
  statesUpdate: {
    playhead: 20,
    sessionID: SID,
    statesStart: [{ name: 'fullScreen' }, { name: 'mute' }],
    statesEnd: [{ name: 'pictureInPicture' }],
  },
};

const body = (name: string, mediaCollection: Record<string, unknown>) => ({
  events: [
    { xdm: { eventType: `media.${name}`, timestamp: '2026-12-01T10:00:00Z', mediaCollection } },
  ],
});

describe("C10: our Edge routes held to Adobe's shapes", () => {
  it("C10: every path has a schema in the OpenAPI document, and Adobe's shape of each passes both the schema and the catalogue", async () => {
    expect(Object.keys(ADOBE_SHAPES).sort()).toEqual(Object.keys(EDGE_EVENTS).sort());
    for (const [name, mc] of Object.entries(ADOBE_SHAPES) as Array<
      [EdgeEventName, Record<string, unknown>]
    >) {
      const validate = ajv.compile(edgeEventSchema(name));
      expect(validate(body(name, mc)), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      const mapped = mapXdmEvent(name, mc, 1, '$', '$t');
      expect(mapped.problems, name).toEqual([]);
      expect(await eventBodyErrors(mapped.body, 'edge'), name).toEqual([]);
    }
  });

  it("C10: what Adobe's schemas require is required by ours: each path refuses its shape without a required member", async () => {
    const requiredOf: Partial<Record<EdgeEventName, string>> = {
      sessionStart: 'sessionDetails',
      adBreakStart: 'advertisingPodDetails',
      adStart: 'advertisingDetails',
      chapterStart: 'chapterDetails',
      error: 'errorDetails',
      bitrateChange: 'qoeDataDetails',
    };
    for (const name of Object.keys(ADOBE_SHAPES) as EdgeEventName[]) {
      const dropped = [
        'playhead',
        ...(name === 'sessionStart' ? [] : ['sessionID']),
        ...(requiredOf[name] ? [requiredOf[name]] : []),
      ];
      for (const member of dropped) {
        const mc = { ...ADOBE_SHAPES[name] };
        delete mc[member];
        const validate = ajv.compile(edgeEventSchema(name));
        expect(validate(body(name, mc)), `${name} without ${member}`).toBe(false);
        if (member === 'sessionID') continue;
        const mapped = mapXdmEvent(name, mc, 1, '$', '$t');
        const errors = [...mapped.problems, ...(await eventBodyErrors(mapped.body, 'edge'))];
        expect(errors.length, `${name} without ${member} is refused`).toBeGreaterThan(0);
      }
    }
  });

  it("C10: our answers have the shapes of Adobe's: the sessionStart 200 with its handle, and problem+json", () => {
    const answer = ajv.compile(EDGE_ANSWER_SCHEMA);
    expect(
      answer({
        requestId: 'dd850e05-1c4b-4f4f-9ff6-9b1c4e6e1f2a',
        handle: [
          { payload: [{ sessionId: SID }], type: 'media-analytics:new-session', eventIndex: 0 },
        ],
      }),
    ).toBe(true);
    const problem = ajv.compile(EDGE_PROBLEM_SCHEMA);
    expect(
      problem({
        type: 'https://ns.adobe.com/aep/errors/va-edge-0404-404',
        status: 404,
        title: 'Not Found',
        detail:
          'The requested resource could not be found but may be available again in the future.',
        report: {
          details:
            'Error processing request. If the session is longer than 24h, please start a new one. Returning Not Found',
          requestId: 'r',
        },
      }),
    ).toBe(true);
    expect(problem({ type: 'about:blank', status: 400, title: 't', detail: 'd', report: {} })).toBe(
      false,
    );
  });
});
