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
