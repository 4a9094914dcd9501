import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../src/reports/csv.js';
import { SUMMARY_COLUMNS, type SummaryRow } from '../../src/reports/summary.js';

const row = (key: string, overrides: Partial<SummaryRow> = {}): SummaryRow => ({
  key,
  mediaStarts: 2,
  contentStarts: 1,
  contentCompletes: 0,
  contentTimeSpent: 12.5,
  mediaTimeSpent: 14,
  averageMinuteAudience: 0.25,
  dropBeforeStartRate: 0.5,
  bufferRatio: 0,
  averageBitrate: null,
  errorSessions: 0,
  adStarts: 0,
  adCompletes: 0,
  ...overrides,
});

describe('CSV of the summary (C9: formula cells neutralised)', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', `"'\rx"`],
    ['\nx', `"'\nx"`],
    [' =1', "' =1"],
    ['   @x', "'   @x"],
    ['\u00a0=1', "'\u00a0=1"],
    ['\u2003+1', "'\u2003+1"],
    ['\u3000-1', "'\u3000-1"],
    ['\u200b=1', "'\u200b=1"],
    ['\u200c=1', "'\u200c=1"],
    ['\u200d=1', "'\u200d=1"],
    ['\u2060=1', "'\u2060=1"],
    ['\u180e=1', "'\u180e=1"],
    ['\u2028+1', "'\u2028+1"],
    ['\ufeff=1', "'\ufeff=1"],
    ['\u200b \u00a0\u2060@x', "'\u200b \u00a0\u2060@x"],
    ['\uff1d1+1', "'\uff1d1+1"],
    ['\uff0b1', "'\uff0b1"],
    ['\uff0d1', "'\uff0d1"],
    ['\uff20x', "'\uff20x"],
    [' \uff1dHYPERLINK("x")', `"' \uff1dHYPERLINK(""x"")"`],
    [' x', ' x'],
    ['a=1', 'a=1'],
    ['media-1', 'media-1'],
    ['2020-01-01', '2020-01-01'],
    ["'=1", "'=1"],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['=a,"b"', `"'=a,""b"""`],
  ])('C9: the string cell %j is written %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it.each([
    [-1, '-1'],
    [-0.5, '-0.5'],
    [0, '0'],
    [12.25, '12.25'],
    [null, ''],
  ])('C9: the numeric cell %j stays a number: %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('C9: rows are CRLF lines under the header; only string cells are prefixed', () => {
    const csv = toCsv([row('=cmd|calc'), row('m-2', { contentTimeSpent: -3 })]);
    expect(csv).toBe(
      [
        SUMMARY_COLUMNS.join(','),
        "'=cmd|calc,2,1,0,12.5,14,0.25,0.5,0,,0,0,0",
        'm-2,2,1,0,-3,14,0.25,0.5,0,,0,0,0',
        '',
      ].join('\r\n'),
    );
  });

  it('C9: no rows is the header row alone', () => {
    expect(toCsv([])).toBe(`${SUMMARY_COLUMNS.join(',')}\r\n`);
  });
});
