import {
  BadRequestException,
  Controller,
  Get,
  Headers,
  Param,
  Query,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type FastifyReply } from 'fastify';
import { ApiErrors } from '../openapi/openapi-document.js';
import { ReportDeadline, ReportSignal } from './report-deadline.js';
import { ReportsTokenGuard } from './reports-token.guard.js';
import { type LiveView, ReportsService } from './reports.service.js';
import { type StoredReport } from './set-aside-report.js';
import { toCsv } from './csv.js';
import { GROUP_BYS, type SummaryRow } from './summary.js';
import { SummaryQuery, summaryInstant } from './summary-query.dto.js';
import { SessionEventsQuery, SessionListQuery } from './session-list-query.dto.js';
import { type SessionListItem } from './session-list.js';
import { type StoredEvent } from '../sessions/session-reads.js';

const DAY_MS = 86_400_000;

@ApiTags('reports')
@ApiBearerAuth()
@UseGuards(ReportsTokenGuard)
@UseInterceptors(ReportDeadline)
@Controller('api/v1/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('sessions')
  @ApiOperation({ summary: 'Sessions newest first, to find one by its id or its media' })
  @ApiQuery({ name: 'q', required: false, description: 'A prefix of a session id, or a media id' })
  @ApiQuery({
    name: 'before',
    required: false,
    description: 'The last startedAt of the page before',
  })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500; default 100' })
  @ApiResponse({ status: 200, description: 'Sessions, newest first.' })
  @ApiErrors(400, 401)
  sessions(
    @Query() query: SessionListQuery,
    @ReportSignal() signal: AbortSignal,
  ): Promise<SessionListItem[]> {
    return this.reports.recentSessions(
      {
        before: summaryInstant(query.before) ?? null,
        search: query.q ?? null,
        limit: query.limit === undefined ? 100 : Number(query.limit),
      },
      signal,
    );
  }

  @Get('sessions/:sid/events')
  @ApiOperation({ summary: "A session's stored events in arrival order, a page at a time" })
  @ApiQuery({ name: 'after', required: false, description: 'The last seq of the page before' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 1,000; default 500' })
  @ApiResponse({ status: 200, description: 'Events with their player time and arrival time.' })
  @ApiErrors(400, 401, 404)
  sessionEvents(
    @Param('sid') sid: string,
    @Query() query: SessionEventsQuery,
    @ReportSignal() signal: AbortSignal,
  ): Promise<StoredEvent[]> {
    return this.reports.sessionEvents(
      sid,
      Number(query.after ?? 0),
      query.limit === undefined ? 500 : Number(query.limit),
      signal,
    );
  }

  @Get('sessions/:sid')
  @ApiOperation({ summary: "A session's report: final once closed, computed on demand while open" })
  @ApiResponse({ status: 200, description: 'The C5 report.' })
  @ApiErrors(401, 404)
  session(@Param('sid') sid: string, @ReportSignal() signal: AbortSignal): Promise<StoredReport> {
    return this.reports.sessionReport(sid, signal);
  }

  @Get('summary')
  @ApiOperation({
    summary: 'Totals of sessions started in [from, to), optionally grouped; JSON or CSV',
  })
  @ApiQuery({
    name: 'from',
    required: false,
    description: 'ISO-8601; default 24 hours before `to`',
  })
  @ApiQuery({ name: 'to', required: false, description: 'ISO-8601, exclusive; default now' })
  @ApiQuery({ name: 'groupBy', required: false, enum: GROUP_BYS })
  @ApiResponse({ status: 200, description: 'Rows as JSON, or CSV with `Accept: text/csv`.' })
  @ApiErrors(400, 401)
  async summary(
    @Query() query: SummaryQuery,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
    @ReportSignal() signal: AbortSignal,
  ): Promise<SummaryRow[] | string> {
    // The validation pipe has refused a bound that is not an instant.
    const to = summaryInstant(query.to) ?? new Date();
    const from = summaryInstant(query.from) ?? new Date(to.getTime() - DAY_MS);
    if (from >= to) throw new BadRequestException('`from` must be before `to`.');
    const rows = await this.reports.summary(from, to, query.groupBy, signal);
    if (accept?.includes('text/csv')) {
      void reply.type('text/csv; charset=utf-8');
      return toCsv(rows);
    }
    return rows;
  }

  @Get('live')
  @ApiOperation({ summary: 'Open sessions heard from in the last 30 s, by player state' })
  @ApiResponse({
    status: 200,
    description: 'Counts by state and the ten media with most sessions.',
  })
  @ApiErrors(401)
  live(@ReportSignal() signal: AbortSignal): Promise<LiveView> {
    return this.reports.live(signal);
  }
}
