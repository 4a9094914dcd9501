import { type ObjectSpec, optionalString, requiredString } from './param-spec.js';

/** Content standard metadata (reference 3.3): optional strings on sessionStart. */
const STANDARD_METADATA_KEYS = [
  'media.show',
  'media.season',
  'media.episode',
  'media.assetId',
  'media.genre',
  'media.firstAirDate',
  'media.firstDigitalDate',
  'media.rating',
  'media.originator',
  'media.network',
  'media.showType',
  'media.streamFormat',
  'media.adLoad',
  'media.pass.mvpd',
  'media.pass.auth',
  'media.dayPart',
  'media.feed',
  'media.artist',
  'media.album',
  'media.label',
  'media.author',
  'media.station',
] as const;

/** The `params` of sessionStart (contract C2, reference 3.1 to 3.3). */
export const SESSION_START_PARAMS: ObjectSpec = {
  'analytics.trackingServer': requiredString,
  'analytics.reportSuite': requiredString,
  'analytics.enableSSL': { type: 'boolean' },
  'analytics.visitorId': optionalString,
  'analytics.aid': optionalString,
  'analytics.optOutServerSideForwarding': { type: 'boolean' },
  'analytics.optOutShare': { type: 'boolean' },
  'visitor.marketingCloudOrgId': requiredString,
  'visitor.marketingCloudUserId': optionalString,
  'visitor.aamLocationHint': { type: 'integer' },
  'visitor.customerIDs': {
    type: 'map',
    values: {
      id: { type: 'string', required: true },
      authState: { type: 'integer', required: true, minimum: 0, maximum: 2 },
    },
  },
  appInstallationId: optionalString,
  'media.id': requiredString,
  'media.name': optionalString,
  // 0: the length is unknown, what Adobe's JS SDK documents and sends for live streams (C2).
  'media.length': { type: 'number', required: true, minimum: 0 },
  'media.contentType': requiredString,
  'media.streamType': { type: 'string', enum: ['audio', 'video'] },
  'media.playerName': requiredString,
  'media.channel': requiredString,
  'media.resume': { type: 'boolean' },
  'media.downloaded': { type: 'boolean' },
  'media.sdkVersion': optionalString,
  'media.libraryVersion': optionalString,
  'media.publisher': optionalString,
  // Adobe's docs tell MCA users to send the time to start here (contract C1, C5).
  'media.qoe.timeToStart': { type: 'number', minimum: 0 },
  ...Object.fromEntries(STANDARD_METADATA_KEYS.map((key) => [key, optionalString])),
};
