import { IsIn, IsISO8601, ValidateIf } from 'class-validator';
import { GROUP_BYS, type GroupBy } from './summary.js';

/** The query of `GET /api/v1/reports/summary` (contract C9). */
export class SummaryQuery {
  @ValidateIf((q: SummaryQuery) => q.from !== undefined)
  @IsISO8601({ strict: true }, { message: 'must be an ISO-8601 date or time' })
  from?: string;

  @ValidateIf((q: SummaryQuery) => q.to !== undefined)
  @IsISO8601({ strict: true }, { message: 'must be an ISO-8601 date or time' })
  to?: string;

  @ValidateIf((q: SummaryQuery) => q.groupBy !== undefined)
  @IsIn(GROUP_BYS, { message: `must be one of ${GROUP_BYS.join(', ')}` })
  groupBy?: GroupBy;
}
