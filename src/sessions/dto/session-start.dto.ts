import { Type } from 'class-transformer';
import { Equals, IsDefined, ValidateBy, ValidateIf, ValidateNested } from 'class-validator';
import { SESSION_START_PARAMS } from '../../media/session-params.js';
import { playheadRangeProblem } from '../../media/playhead-range.js';
import {
  CustomMetadataDto,
  IsJsonObject,
  QoeDataDto,
} from '../../common/validation/envelope-rules.js';
import { ExtraMembers } from '../../common/validation/extra-members.js';
import { dtoFromSpec } from '../../common/validation/param-rules.js';
import { type PlayerTime, PlayerTimeDto } from './player-time.dto.js';

/** Unknown sessionStart params are stored as sent (C1). */
export const SessionStartParamsDto = dtoFromSpec(SESSION_START_PARAMS, 'accept');

export interface SessionStartParams extends Record<string, unknown> {
  'analytics.reportSuite': string;
  'media.id': string;
  'media.contentType': string;
  'media.length': number;
}

/** The playhead range depends on the content type and length (C2), so it spans two members. */
function playheadProblem(playerTime: unknown, body: object): string | undefined {
  const params = (body as { params?: Record<string, unknown> }).params;
  const playhead = (playerTime as { playhead?: unknown } | undefined)?.playhead;
  const type = params?.['media.contentType'];
  const length = params?.['media.length'];
  // Other rules report malformed members; this one judges only well-typed ones.
  if (typeof playhead !== 'number' || typeof type !== 'string' || typeof length !== 'number') {
    return undefined;
  }
  return playheadRangeProblem(playhead, type, length);
}

function PlayheadWithinContent(): PropertyDecorator {
  return ValidateBy(
    {
      name: 'playheadWithinContent',
      validator: {
        validate: (playerTime: unknown, args) =>
          playheadProblem(playerTime, args!.object) === undefined,
        defaultMessage: (args) => playheadProblem(args!.value, args!.object) ?? '',
      },
    },
    { context: { member: 'playhead' } },
  );
}

/** The body of POST /api/v1/sessions (contract C1, C2). */
@ExtraMembers('forbid')
export class SessionStartDto {
  @IsDefined({ message: 'is required' })
  @IsJsonObject()
  @ValidateNested()
  @Type(() => PlayerTimeDto)
  @PlayheadWithinContent()
  playerTime: PlayerTime;

  @IsDefined({ message: 'is required' })
  @Equals('sessionStart', { message: 'must be sessionStart on this route' })
  eventType: 'sessionStart';

  @IsDefined({ message: 'is required' })
  @IsJsonObject()
  @ValidateNested()
  @Type(() => SessionStartParamsDto)
  params: SessionStartParams;

  @ValidateIf((o: SessionStartDto) => o.qoeData !== undefined)
  @IsJsonObject()
  @ValidateNested()
  @Type(() => QoeDataDto)
  qoeData?: Record<string, string | number | boolean>;

  @ValidateIf((o: SessionStartDto) => o.customMetadata !== undefined)
  @IsJsonObject()
  @ValidateNested()
  @Type(() => CustomMetadataDto)
  customMetadata?: Record<string, string>;
}
