import { type ObjectSpec } from './param-spec.js';

/** `playerTime` (contract C1): exactly these two members. */
export const PLAYER_TIME: ObjectSpec = {
  playhead: { type: 'number', required: true, minimum: 0 },
  ts: { type: 'integer', required: true, minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
};
