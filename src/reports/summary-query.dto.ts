import { IsIn, ValidateBy, ValidateIf, type ValidationOptions } from 'class-validator';
import { GROUP_BYS, type GroupBy } from './summary.js';

/** An RFC 3339 date-time with seconds and a zone (`Z` or an offset), or a full date. */
const INSTANT =
  /^(?<date>(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2}))(?:[Tt](?<time>(?<hour>\d{2}):(?<minute>\d{2}):(?<second>\d{2}))(?<fraction>\.\d{1,9})?(?<zone>[Zz]|[+-](?<offsetHour>\d{2}):(?<offsetMinute>\d{2})))?$/;

const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * The instant a summary bound names (contract C9): an RFC 3339 date-time with `Z` or an offset,
 * or a full date meaning 00:00Z. Anything else, an impossible date (`2020-02-30`) included, is
 * undefined. Milliseconds are kept; finer digits are dropped.
 */
export function summaryInstant(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const parts = INSTANT.exec(value)?.groups;
  if (!parts) return undefined;
  const number = (name: string) => Number(parts[name] ?? 0);
  const month = number('month');
  const valid =
    month >= 1 &&
    month <= 12 &&
    number('day') >= 1 &&
    number('day') <= daysInMonth(number('year'), month) &&
    number('hour') <= 23 &&
    number('minute') <= 59 &&
    number('second') <= 59 &&
    number('offsetHour') <= 23 &&
    number('offsetMinute') <= 59;
  if (!valid) return undefined;
  const millis = (parts.fraction ?? '').slice(1, 4).padEnd(3, '0');
  const zone = (parts.zone ?? 'Z').toUpperCase();
  const instant = new Date(`${parts.date}T${parts.time ?? '00:00:00'}.${millis}${zone}`);
  return Number.isNaN(instant.getTime()) ? undefined : instant;
}

export const IsSummaryInstant = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isSummaryInstant',
      validator: { validate: (value) => summaryInstant(value) !== undefined },
    },
    options,
  );

export const INSTANT_MESSAGE =
  'must be an RFC 3339 date-time with Z or an offset (2020-01-01T00:00:00Z; + written %2B) or a date (2020-01-01)';

/** The query of `GET /api/v1/reports/summary` (contract C9). */
export class SummaryQuery {
  @ValidateIf((q: SummaryQuery) => q.from !== undefined)
  @IsSummaryInstant({ message: INSTANT_MESSAGE })
  from?: string;

  @ValidateIf((q: SummaryQuery) => q.to !== undefined)
  @IsSummaryInstant({ message: INSTANT_MESSAGE })
  to?: string;

  @ValidateIf((q: SummaryQuery) => q.groupBy !== undefined)
  @IsIn(GROUP_BYS, { message: `must be one of ${GROUP_BYS.join(', ')}` })
  groupBy?: GroupBy;
}
