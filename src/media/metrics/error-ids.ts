/**
 * The most distinct error ids a report lists per source. A session of 100,000 events could
 * otherwise hold 100,000 ids; the first ones seen say what went wrong, and `errors.count` still
 * counts every error event.
 */
export const MAX_ERROR_IDS_PER_SOURCE = 100;

/** The distinct error ids of one source, the first `MAX_ERROR_IDS_PER_SOURCE` in order seen. */
export class ErrorIds {
  private readonly ids = new Set<string>();

  add(id: string): void {
    if (this.ids.size < MAX_ERROR_IDS_PER_SOURCE) this.ids.add(id);
  }

  get size(): number {
    return this.ids.size;
  }

  list(): string[] {
    return [...this.ids];
  }
}
