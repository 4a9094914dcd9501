import { InitialSchema1764210000000 } from './1764210000000-initial-schema.js';
import { SessionReports1764220000000 } from './1764220000000-session-reports.js';
import { RealClients1764230000000 } from './1764230000000-real-clients.js';
import { BoundedSessions1764240000000 } from './1764240000000-bounded-sessions.js';
import { CompactEvents1764250000000 } from './1764250000000-compact-events.js';
import { SessionKeys1764260000000 } from './1764260000000-session-keys.js';
import { SessionParams1764270000000 } from './1764270000000-session-params.js';
import { WireFormats1764280000000 } from './1764280000000-wire-formats.js';

/** Every migration, oldest first. Listed, not globbed, so the built service and tests load the same set. */
export const MIGRATIONS = [
  InitialSchema1764210000000,
  SessionReports1764220000000,
  RealClients1764230000000,
  BoundedSessions1764240000000,
  CompactEvents1764250000000,
  SessionKeys1764260000000,
  SessionParams1764270000000,
  WireFormats1764280000000,
];
