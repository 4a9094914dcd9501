import { type ObjectSpec } from './param-spec.js';

/** The QoE measures by their short names, each with its type. */
const QOE_MEASURES: ObjectSpec = {
  bitrate: { type: 'number', minimum: 0 },
  droppedFrames: { type: 'number', minimum: 0 },
  framesPerSecond: { type: 'number', minimum: 0 },
  timeToStart: { type: 'number', minimum: 0 },
  errorID: { type: 'string' },
  errorSource: { type: 'string', enum: ['player', 'external'] },
};

export type QoeMeasure =
  'bitrate' | 'droppedFrames' | 'framesPerSecond' | 'timeToStart' | 'errorID' | 'errorSource';

/** A measure's `qoeData` key as Adobe documents it. */
export const qoeKey = (measure: QoeMeasure) => `media.qoe.${measure}`;

/**
 * Known `qoeData` members (contract C1): each measure as `media.qoe.<name>`, and unprefixed as
 * Adobe's own timelines send it, typed alike. Other members may hold any string, number or boolean.
 */
export const QOE_PARAMS: ObjectSpec = Object.fromEntries(
  Object.entries(QOE_MEASURES).flatMap(([name, spec]) => [
    [qoeKey(name as QoeMeasure), spec],
    [name, spec],
  ]),
);

/** A measure's value in one qoeData, under either name (the prefixed one first). */
export function qoeValue(
  qoeData: Readonly<Record<string, unknown>> | null | undefined,
  measure: QoeMeasure,
): unknown {
  if (!qoeData) return undefined;
  return qoeData[qoeKey(measure)] ?? qoeData[measure];
}

/** customMetadata (contract C1): a flat object of strings whose keys match this. */
export const CUSTOM_METADATA_KEY_PATTERN = '^[A-Za-z0-9_.]+$';
