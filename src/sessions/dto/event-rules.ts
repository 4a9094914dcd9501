import { Type } from 'class-transformer';
import { Equals, IsDefined, IsIn, ValidateBy, ValidateIf, ValidateNested } from 'class-validator';
import {
  EVENT_CATALOGUE,
  EVENT_TYPES,
  type EventRules,
  type EventType,
  type MemberRef,
  SESSION_EVENT_TYPES,
  isEventType,
} from '../../media/event-catalogue.js';
import { playheadRangeProblem } from '../../media/playhead-range.js';
import {
  CustomMetadataDto,
  IsJsonObject,
  QoeDataDto,
} from '../../common/validation/envelope-rules.js';
import { ExtraMembers } from '../../common/validation/extra-members.js';
import { Nests } from '../../common/validation/member-shapes.js';
import { dtoFromSpec } from '../../common/validation/param-rules.js';
import { PlayerTimeDto } from './player-time.dto.js';

type DtoClass = new () => object;
type Rule = (target: object, key: string) => void;

const present = (key: string) =>
  ValidateIf((object: Record<string, unknown>) => object[key] !== undefined);

function Absent(message: string): Rule {
  return ValidateBy(
    { name: 'absent', validator: { validate: (v: unknown) => v === undefined } },
    { message },
  );
}

function nestedObject(key: string, dto: DtoClass, required: boolean): Rule[] {
  return [
    required ? IsDefined({ message: 'is required' }) : present(key),
    Nests({ shape: 'object', dto }),
    IsJsonObject(),
    ValidateNested(),
    Type(() => dto),
  ];
}

/** The playhead range depends on the content type and length (C2), so it spans two members. */
function playheadProblem(body: object): string | undefined {
  const { playerTime, params } = body as {
    playerTime?: { playhead?: unknown };
    params?: Record<string, unknown>;
  };
  const playhead = playerTime?.playhead;
  const type = params?.['media.contentType'];
  const length = params?.['media.length'];
  // Other rules report malformed members; this one judges only well-typed ones.
  if (typeof playhead !== 'number' || typeof type !== 'string' || typeof length !== 'number') {
    return undefined;
  }
  return playheadRangeProblem(playhead, type, length);
}

const PlayheadWithinContent = ValidateBy(
  {
    name: 'playheadWithinContent',
    validator: {
      validate: (_value: unknown, args) => playheadProblem(args!.object) === undefined,
      defaultMessage: (args) => playheadProblem(args!.object) ?? '',
    },
  },
  { context: { path: 'playerTime.playhead' } },
);

const memberValue = (body: Record<string, unknown>, ref: MemberRef) =>
  (body[ref.member] as Record<string, unknown> | undefined)?.[ref.key];

/** One of several members must be there (an error's id, a statesUpdate's lists). */
function RequiresOneOf(refs: readonly MemberRef[]): Rule {
  const names = refs.map((r) => `${r.member}.${r.key}`);
  return ValidateBy(
    {
      name: 'requiresOneOf',
      validator: {
        validate: (_value: unknown, args) =>
          refs.some(
            (ref) => memberValue(args!.object as Record<string, unknown>, ref) !== undefined,
          ),
      },
    },
    { message: `is required (or ${names.slice(1).join(', ')})`, context: { path: names[0] } },
  );
}

function apply(dto: DtoClass, key: string, rules: readonly Rule[]): void {
  for (const rule of rules) rule(dto.prototype as object, key);
}

/** The DTO of one event type, built from its catalogue entry (contract C1 to C3). */
export function eventDto(type: EventType, rules: EventRules): DtoClass {
  const dto = class {};
  Object.defineProperty(dto, 'name', { value: `${type}Event` });
  apply(dto, 'playerTime', [
    ...nestedObject('playerTime', PlayerTimeDto, true),
    ...(type === 'sessionStart' ? [PlayheadWithinContent] : []),
  ]);
  apply(dto, 'eventType', [
    IsDefined({ message: 'is required' }),
    Equals(type, { message: `must be ${type}` }),
    ...(rules.requiresOneOf ? [RequiresOneOf(rules.requiresOneOf)] : []),
  ]);
  const params = dtoFromSpec(rules.params, 'accept');
  apply(dto, 'params', nestedObject('params', params, rules.paramsPresence === 'required'));
  apply(dto, 'qoeData', nestedObject('qoeData', QoeDataDto, false));
  apply(
    dto,
    'customMetadata',
    rules.customMetadata
      ? nestedObject('customMetadata', CustomMetadataDto, false)
      : [Absent(`is accepted only on sessionStart, adStart and chapterStart`)],
  );
  ExtraMembers('forbid')(dto);
  return dto;
}

export const EVENT_DTOS = Object.fromEntries(
  EVENT_TYPES.map((type) => [type, eventDto(type, EVENT_CATALOGUE[type])]),
) as Readonly<Record<EventType, DtoClass>>;

const ENVELOPE_MEMBERS = new Set([
  'playerTime',
  'eventType',
  'params',
  'qoeData',
  'customMetadata',
]);

/** For a body whose eventType is missing or unknown: says so, and checks the envelope. */
class UnknownEventDto {
  @IsDefined({ message: 'is required' })
  @IsIn(SESSION_EVENT_TYPES, {
    message: `must be one of ${SESSION_EVENT_TYPES.join(', ')} (sessionStart only on POST /api/v1/sessions)`,
  })
  eventType: unknown;

  @IsDefined({ message: 'is required' })
  @Nests({ shape: 'object', dto: PlayerTimeDto })
  @IsJsonObject()
  @ValidateNested()
  @Type(() => PlayerTimeDto)
  playerTime: unknown;
}
ExtraMembers((key) => (ENVELOPE_MEMBERS.has(key) ? undefined : 'is not an allowed member here'))(
  UnknownEventDto,
);

/** The DTO for a body sent to `POST /api/v1/sessions/{sid}/events`. */
export function sessionEventDtoFor(body: unknown): DtoClass {
  const type = (body as { eventType?: unknown } | null)?.eventType;
  return isEventType(type) && type !== 'sessionStart' ? EVENT_DTOS[type] : UnknownEventDto;
}
