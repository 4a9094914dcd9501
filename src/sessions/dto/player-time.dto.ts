import { dtoFromSpec } from '../../common/validation/param-rules.js';
import { PLAYER_TIME } from '../../media/player-time.js';

/** `playerTime`: exactly `{playhead, ts}` (contract C1). */
export const PlayerTimeDto = dtoFromSpec(PLAYER_TIME, 'forbid');
