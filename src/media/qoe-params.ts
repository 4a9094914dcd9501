import { type ObjectSpec } from './param-spec.js';

/** Known `qoeData` members (contract C1); other members may hold any string, number or boolean. */
export const QOE_PARAMS: ObjectSpec = {
  'media.qoe.bitrate': { type: 'number', minimum: 0 },
  'media.qoe.droppedFrames': { type: 'number', minimum: 0 },
  'media.qoe.framesPerSecond': { type: 'number', minimum: 0 },
  'media.qoe.timeToStart': { type: 'number', minimum: 0 },
  'media.qoe.errorID': { type: 'string' },
  'media.qoe.errorSource': { type: 'string', enum: ['player', 'external'] },
};

/** customMetadata (contract C1): a flat object of strings whose keys match this. */
export const CUSTOM_METADATA_KEY_PATTERN = '^[A-Za-z0-9_.]+$';
