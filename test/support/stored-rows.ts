import { sessionKey } from '../../src/lifecycle/session-key.js';

/** A sessionStart's params as the tests that write rows by hand store them (session_params). */
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

/**
 * The params of sessions written by hand without them, as their sessionStart would have sent
 * them: every stored session has its row in session_params.
 */
export const PARAMS_OF_SEEDED_SESSIONS = `INSERT INTO session_params (session_key, params)
  SELECT s.key, jsonb_build_object('media.id', s.media_id, 'media.length', s.media_length,
                                   'media.contentType', s.content_type, 'analytics.reportSuite', s.report_suite)
    FROM sessions s WHERE NOT EXISTS (SELECT FROM session_params p WHERE p.session_key = s.key)`;
