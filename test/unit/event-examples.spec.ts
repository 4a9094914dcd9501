import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, SESSION_EVENT_TYPES } from '../../src/media/event-catalogue.js';
import { EXAMPLE_BODIES, exampleBody } from '../../src/media/event-examples.js';
import {
  acceptsSessionEvent,
  acceptsSessionStart,
} from '../../src/sessions/dto/compiled-event-checks.js';
import { EventBody, SessionStartBody } from '../../src/sessions/dto/event-bodies.js';
import { violationsOf } from '../support/validation.js';

describe('the example body of every event type, made from the catalogue', () => {
  it('the sessionStart example is accepted by the fast path and by the DTOs', async () => {
    const body = exampleBody('sessionStart');
    expect(acceptsSessionStart(body)).toBe(true);
    expect(await violationsOf(SessionStartBody, body)).toEqual([]);
  });

  it.each(SESSION_EVENT_TYPES)(
    'the %s example is accepted by the fast path and by the DTOs',
    async (type) => {
      const body = exampleBody(type);
      expect(body.eventType).toBe(type);
      expect(acceptsSessionEvent(body)).toBe(true);
      expect(await violationsOf(EventBody, body)).toEqual([]);
    },
  );

  it('carries the members an event type requires, with values a player would send', () => {
    expect(EXAMPLE_BODIES.adBreakStart).toEqual({
      playerTime: { playhead: 12.5, ts: 1764583200000 },
      eventType: 'adBreakStart',
      params: { 'media.ad.podIndex': 0, 'media.ad.podSecond': 0 },
    });
    expect(EXAMPLE_BODIES.statesUpdate.params).toEqual({
      statesStart: [{ 'media.state.name': 'fullscreen' }],
    });
    expect(EXAMPLE_BODIES.ping).toEqual({
      playerTime: { playhead: 12.5, ts: 1764583200000 },
      eventType: 'ping',
    });
    expect(Object.keys(EXAMPLE_BODIES)).toEqual([...EVENT_TYPES]);
  });
});
