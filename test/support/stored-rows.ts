import { sessionKey } from '../../src/lifecycle/session-key.js';

/** A sessionStart's params as the tests that write rows by hand store them (sessions.params). */
export const STORED_START_PARAMS = {
  'media.id': 'm1',
  'media.length': 60,
  'media.contentType': 'vod',
  'media.channel': 'c',
  'media.playerName': 'p',
  'analytics.reportSuite': 'rs',
  'analytics.trackingServer': 't',
  'visitor.marketingCloudOrgId': 'o',
};

/** Compares session ids by their keys (the first 8 bytes, signed): the order of key-ordered reads. */
export function byKey(a: string, b: string): number {
  const [x, y] = [BigInt(sessionKey(a)), BigInt(sessionKey(b))];
  return x < y ? -1 : x > y ? 1 : 0;
}
