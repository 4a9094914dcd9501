/**
 * The length of the union of playhead ranges (contract C5 uniqueTimePlayed). Ranges usually
 * arrive in playhead order, so they merge in one pass; only a seek back forces a sort.
 */
export class WatchedRanges {
  private starts: number[] = [];
  private ends: number[] = [];
  private sorted = true;

  add(from: number, to: number): void {
    if (to <= from) return;
    const last = this.starts.length - 1;
    if (last >= 0 && from < this.starts[last]) this.sorted = false;
    if (this.sorted && last >= 0 && from <= this.ends[last]) {
      if (to > this.ends[last]) this.ends[last] = to;
      return;
    }
    this.starts.push(from);
    this.ends.push(to);
  }

  total(): number {
    const order = this.starts.map((_, i) => i);
    if (!this.sorted) order.sort((a, b) => this.starts[a] - this.starts[b]);
    let sum = 0;
    let currentStart = Number.NaN;
    let currentEnd = Number.NaN;
    for (const i of order) {
      const start = this.starts[i];
      const end = this.ends[i];
      if (Number.isNaN(currentEnd) || start > currentEnd) {
        if (!Number.isNaN(currentEnd)) sum += currentEnd - currentStart;
        currentStart = start;
        currentEnd = end;
      } else if (end > currentEnd) {
        currentEnd = end;
      }
    }
    if (!Number.isNaN(currentEnd)) sum += currentEnd - currentStart;
    return sum;
  }
}
