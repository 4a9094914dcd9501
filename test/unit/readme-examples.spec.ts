import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/media/event-catalogue.js';
import { exampleBody } from '../../src/media/event-examples.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's block of example bodies, one per line, as the catalogue makes them. */
const examplesBlock = () =>
  ['```json', ...EVENT_TYPES.map((type) => JSON.stringify(exampleBody(type))), '```'].join('\n');

describe("the README's example of every event type", () => {
  it('is the body the catalogue makes for it (the OpenAPI examples), so it is never hand-copied', () => {
    expect(README).toContain(examplesBlock());
  });
});
