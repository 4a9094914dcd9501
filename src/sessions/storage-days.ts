/** Days since 1970-01-01 of 2020-01-01, where the stored day numbers start (UTC). */
const DAY_ZERO = Date.UTC(2020, 0, 1) / 86_400_000;

/** The UTC day number of a moment, as sessions and event partitions store it. */
export function dayNumber(at: Date): number {
  return Math.floor(at.getTime() / 86_400_000) - DAY_ZERO;
}

/** The first moment of a day number (UTC). */
export function dayStart(day: number): Date {
  return new Date((day + DAY_ZERO) * 86_400_000);
}

/** The partition of events that holds the sessions of a day: events_20261201. */
export function partitionName(day: number): string {
  return `events_${dayStart(day).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The day a partition name says, or undefined for a name that is not one. */
export function partitionDay(name: string): number | undefined {
  const match = /^events_(\d{4})(\d{2})(\d{2})$/.exec(name);
  if (!match) return undefined;
  return dayNumber(new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))));
}
