import { expect } from 'vitest';
import { request } from './http.js';

/** One line of the Prometheus text format: `name{label="value",...} value`. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample of an exposition, comments skipped; a line that is neither fails the test. */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    expect(match, `a sample line: ${line}`).not.toBeNull();
    const [, name = '', labelText = '', value = ''] = match!;
    const labels: Record<string, string> = {};
    for (const [, key = '', raw = ''] of labelText.matchAll(LABEL)) {
      labels[key] = raw.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}

/** The scraped metrics of a running service. */
export class Scrape {
  constructor(
    readonly text: string,
    readonly samples: readonly Sample[],
  ) {}

  static async of(baseUrl: string): Promise<Scrape> {
    const res = await request(baseUrl, 'GET', '/metrics');
    expect(res.status).toBe(200);
    return new Scrape(res.text, parseSamples(res.text));
  }

  /** The value of the one sample with exactly these labels; undefined when there is none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const wanted = Object.entries(labels);
    const found = this.samples.filter(
      (s) =>
        s.name === name &&
        Object.keys(s.labels).length === wanted.length &&
        wanted.every(([key, value]) => s.labels[key] === value),
    );
    expect(found.length, `samples of ${name} ${JSON.stringify(labels)}`).toBeLessThanOrEqual(1);
    return found[0]?.value;
  }

  /** How much a sample grew since `before` (a series that did not exist counts from 0). */
  growth(before: Scrape, name: string, labels: Record<string, string> = {}): number {
    return (this.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0);
  }
}
