import { InitialSchema1764210000000 } from './1764210000000-initial-schema.js';

/** Every migration, oldest first. Listed, not globbed, so the built service and tests load the same set. */
export const MIGRATIONS = [InitialSchema1764210000000];
