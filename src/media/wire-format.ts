/**
 * The wire formats a player may speak (contract C10): Adobe's Media Collection API (`mca`) and its
 * Media Edge API (`edge`). Each session records the one it came in; the engine is the same.
 */
export const WIRE_FORMATS = ['mca', 'edge'] as const;
export type WireFormat = (typeof WIRE_FORMATS)[number];

/** Where a session came from: its wire format, and on the Edge the datastream id it named. */
export interface SessionOrigin {
  readonly wireFormat: WireFormat;
  readonly configId: string | null;
}

export const MCA_ORIGIN: SessionOrigin = { wireFormat: 'mca', configId: null };
