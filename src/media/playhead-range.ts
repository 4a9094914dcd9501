/** Seconds in a day: the playhead of live content is the second of the day (contract C2). */
export const LIVE_PLAYHEAD_LIMIT = 86_400;

export function isLiveContent(contentType: string): boolean {
  const type = contentType.toLowerCase();
  return type === 'live' || type === 'linear';
}

/**
 * The sessionStart playhead range (contract C2): live content needs `0 <= playhead < 86400`,
 * anything else `0 <= playhead <= media.length`, unless the length is unknown (0). Returns a
 * problem sentence, or undefined.
 */
export function playheadRangeProblem(
  playhead: number,
  contentType: string,
  mediaLength: number,
): string | undefined {
  if (isLiveContent(contentType)) {
    return playhead < LIVE_PLAYHEAD_LIMIT
      ? undefined
      : `must be below ${LIVE_PLAYHEAD_LIMIT} (the second of the day) for live content`;
  }
  return playhead <= mediaLength || mediaLength === 0
    ? undefined
    : `must not exceed media.length (${mediaLength}) for on-demand content`;
}
