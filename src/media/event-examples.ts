import { EVENT_CATALOGUE, EVENT_TYPES, type EventType } from './event-catalogue.js';
import { type ObjectSpec, type ParamSpec } from './param-spec.js';

/** Values a player would send for the members whose name says what they hold. */
const SAMPLES: Readonly<Record<string, string | number>> = {
  'analytics.trackingServer': 'example.sc.omtrdc.net',
  'analytics.reportSuite': 'example-rsid',
  'visitor.marketingCloudOrgId': 'EXAMPLE0123456789@AdobeOrg',
  'media.id': 'episode-42',
  'media.length': 1800,
  'media.contentType': 'VOD',
  'media.playerName': 'example-player',
  'media.channel': 'example-channel',
  'media.ad.id': 'ad-7',
  'media.ad.length': 15,
  'media.ad.playerName': 'example-player',
  'media.ad.podSecond': 0,
  'media.chapter.length': 600,
  'media.state.name': 'fullscreen',
};

function sample(key: string, spec: ParamSpec): unknown {
  switch (spec.type) {
    case 'string':
      return spec.enum?.[0] ?? SAMPLES[key] ?? `example-${key.split('.').at(-1) ?? key}`;
    case 'number':
    case 'integer':
      return SAMPLES[key] ?? spec.minimum ?? 0;
    case 'boolean':
      return false;
    case 'array':
      return [requiredMembers(spec.items)];
    case 'map':
      return {};
  }
}

function requiredMembers(spec: ObjectSpec, also: readonly string[] = []): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(spec)
      .filter(([key, member]) => member.required === true || also.includes(key))
      .map(([key, member]) => [key, sample(key, member)]),
  );
}

/**
 * A body of each event type that the service accepts, made from the catalogue (what it must
 * carry, with values a player would send): the OpenAPI document's examples and the README's.
 */
export function exampleBody(type: EventType): Record<string, unknown> {
  const rules = EVENT_CATALOGUE[type];
  const oneOf = (rules.requiresOneOf ?? []).slice(0, 1).map((ref) => ref.key);
  const body: Record<string, unknown> = {
    playerTime: { playhead: type === 'sessionStart' ? 0 : 12.5, ts: 1764583200000 },
    eventType: type,
  };
  if (rules.paramsPresence === 'required') body.params = requiredMembers(rules.params, oneOf);
  return body;
}

export const EXAMPLE_BODIES: Readonly<Record<EventType, Record<string, unknown>>> =
  Object.fromEntries(EVENT_TYPES.map((type) => [type, exampleBody(type)])) as Record<
    EventType,
    Record<string, unknown>
  >;
