import { describe, expect, it } from 'vitest';
import {
  LIVE_PLAYHEAD_LIMIT,
  isLiveContent,
  playheadRangeProblem as sut,
} from '../../src/media/playhead-range.js';

describe('playhead range (C2)', () => {
  it('C2: the live limit is the number of seconds in a day', () => {
    expect(LIVE_PLAYHEAD_LIMIT).toBe(86_400);
  });

  it.each(['live', 'LIVE', 'Live', 'linear', 'LINEAR', 'lInEaR'])(
    'C2: %s is live content',
    (type) => {
      expect(isLiveContent(type)).toBe(true);
    },
  );

  it.each(['VOD', 'vod', 'ugc', 'podcast', 'livestream', ' live', 'linear ', ''])(
    'C2: %j is not live content',
    (type) => {
      expect(isLiveContent(type)).toBe(false);
    },
  );

  it.each(['live', 'Linear'])('C2: %s accepts 0 to 86399.9 whatever media.length says', (type) => {
    expect(sut(0, type, 60)).toBeUndefined();
    expect(sut(86_399, type, 60)).toBeUndefined();
    expect(sut(86_399.9, type, 60)).toBeUndefined();
  });

  it.each(['live', 'LINEAR'])('C2: %s refuses 86400 and above', (type) => {
    expect(sut(86_400, type, 86_400)).toMatch(/86400/);
    expect(sut(100_000, type, 200_000)).toMatch(/86400/);
  });

  it('C2: on-demand content accepts 0 up to media.length inclusive', () => {
    expect(sut(0, 'VOD', 60.5)).toBeUndefined();
    expect(sut(60.5, 'VOD', 60.5)).toBeUndefined();
  });

  it('C2: on-demand content refuses a playhead beyond media.length', () => {
    expect(sut(60.51, 'VOD', 60.5)).toMatch(/media\.length/);
    expect(sut(5000, 'livestream', 60)).toMatch(/media\.length/);
  });

  it('C2: on-demand content longer than a day may have a playhead past 86400', () => {
    expect(sut(90_000, 'VOD', 100_000)).toBeUndefined();
  });
});
