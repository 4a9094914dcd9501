import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** Every variable the configuration reads: each is read once, by name, in app-config.ts. */
const configured = [...read('src/config/app-config.ts').matchAll(/\bread\('([A-Z0-9_]+)'/g)].map(
  (m) => m[1],
);
/** Every variable `.env.example` sets or shows commented out. */
const listed = new Set(
  [...read('.env.example').matchAll(/^(?:# )?([A-Z0-9_]+)=/gm)].map((m) => m[1]),
);

describe('.env.example', () => {
  it('lists every variable the configuration reads', () => {
    expect(configured.length).toBeGreaterThan(30);
    expect(configured.filter((name) => !listed.has(name))).toEqual([]);
  });
});
