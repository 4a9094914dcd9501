import { IsDefined, IsInt, IsNumber, Max, Min } from 'class-validator';
import { ExtraMembers } from '../../common/validation/extra-members.js';

/** `playerTime`: exactly `{playhead, ts}` (contract C1). */
@ExtraMembers('forbid')
export class PlayerTimeDto {
  @IsDefined({ message: 'is required' })
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a finite number' })
  @Min(0, { message: 'must be at least 0' })
  playhead: number;

  @IsDefined({ message: 'is required' })
  @IsInt({ message: 'must be an integer number of milliseconds since the epoch' })
  @Min(1, { message: 'must be greater than 0' })
  @Max(Number.MAX_SAFE_INTEGER, { message: 'must be a safe integer' })
  ts: number;
}
