/**
 * The most disjoint ranges kept exactly. Real sessions watch a few dozen; only a hostile seek
 * pattern (watch a second, skip ahead, again and again) goes past this.
 */
export const MAX_WATCHED_RANGES = 1000;

/** Ranges held before they are merged into disjoint ones: at most twice the bound. */
const COMPACT_AT = 2 * MAX_WATCHED_RANGES;

/**
 * The length of the union of playhead ranges (contract C5 uniqueTimePlayed), in memory bounded
 * by a constant. Ranges usually arrive in playhead order and extend the last one; the others are
 * appended, and once `COMPACT_AT` are held they are merged into disjoint ranges.
 *
 * The total is exact as long as what has been watched never falls into more than
 * `MAX_WATCHED_RANGES` disjoint ranges. Past that, the two closest neighbours are merged (the gap
 * between them counts as watched) until that many are left, each merge counted in `gapsFilled`:
 * the total can only grow by those gaps, and stays within the playheads seen, so within a known
 * `media.length`.
 */
export class WatchedRanges {
  private starts: number[] = [];
  private ends: number[] = [];
  private sorted = true;
  private filled = 0;

  add(from: number, to: number): void {
    if (!(to > from)) return;
    const last = this.starts.length - 1;
    if (last >= 0) {
      // The union does not depend on the order ranges arrive in, so one that begins inside the
      // last may always extend it.
      if (from >= this.starts[last] && from <= this.ends[last]) {
        if (to > this.ends[last]) this.ends[last] = to;
        return;
      }
      if (from < this.starts[last]) this.sorted = false;
    }
    if (this.starts.length >= COMPACT_AT) this.compact();
    this.starts.push(from);
    this.ends.push(to);
  }

  total(): number {
    let sum = 0;
    this.forEachDisjoint((start, end) => {
      sum += end - start;
    });
    return sum;
  }

  /** Gaps counted as watched because the ranges exceeded `MAX_WATCHED_RANGES`. */
  get gapsFilled(): number {
    return this.filled;
  }

  /** Ranges held (at most twice `MAX_WATCHED_RANGES`). */
  get size(): number {
    return this.starts.length;
  }

  /**
   * Calls `visit` with each range of the union, in playhead order. Ranges that touch are one:
   * the sum of the union's lengths, and the order it is summed in, are those of every range ever
   * added, whether or not they were merged before.
   */
  private forEachDisjoint(visit: (start: number, end: number) => void): void {
    const order = this.starts.map((_, i) => i);
    if (!this.sorted) order.sort((a, b) => this.starts[a] - this.starts[b]);
    let currentStart = Number.NaN;
    let currentEnd = Number.NaN;
    for (const i of order) {
      const start = this.starts[i];
      const end = this.ends[i];
      if (Number.isNaN(currentEnd) || start > currentEnd) {
        if (!Number.isNaN(currentEnd)) visit(currentStart, currentEnd);
        currentStart = start;
        currentEnd = end;
      } else if (end > currentEnd) {
        currentEnd = end;
      }
    }
    if (!Number.isNaN(currentEnd)) visit(currentStart, currentEnd);
  }

  private compact(): void {
    const starts: number[] = [];
    const ends: number[] = [];
    this.forEachDisjoint((start, end) => {
      starts.push(start);
      ends.push(end);
    });
    const excess = starts.length - MAX_WATCHED_RANGES;
    if (excess > 0) {
      this.mergeClosest(starts, ends, excess);
    } else {
      this.starts = starts;
      this.ends = ends;
    }
    this.sorted = true;
  }

  /**
   * Merges the `count` smallest gaps between disjoint ranges (the earlier one first at a tie).
   * Filling one gap changes no other, so this is "merge the two closest" repeated `count` times.
   */
  private mergeClosest(starts: number[], ends: number[], count: number): void {
    const gaps = Array.from({ length: starts.length - 1 }, (_, i) => i);
    gaps.sort((a, b) => starts[a + 1] - ends[a] - (starts[b + 1] - ends[b]) || a - b);
    const fill = new Uint8Array(gaps.length);
    for (let k = 0; k < count; k += 1) fill[gaps[k]] = 1;
    this.starts = [starts[0]];
    this.ends = [ends[0]];
    for (let i = 1; i < starts.length; i += 1) {
      if (fill[i - 1] === 1) {
        this.ends[this.ends.length - 1] = ends[i];
      } else {
        this.starts.push(starts[i]);
        this.ends.push(ends[i]);
      }
    }
    this.filled += count;
  }
}
