/** The Media Edge API's paths below `EDGE_BASE_PATH` (contract C10). */
export const EDGE_PATHS = {
  sessionStart: 'va/v1/sessionStart',
  downloaded: 'va/v1/downloaded',
  event: 'va/v1/:eventType',
  interact: 'v1/interact',
  collect: 'v1/collect',
} as const;

/**
 * XDM nests deeper than the MCA's bodies: the deepest an Edge body needs is a downloaded
 * session's custom metadata (body > events > event > xdm > mediaDownloadedEvents > event >
 * mediaCollection > customMetadata > item, nine containers); the Web SDK's own context members
 * stay within that. A little room above it, and still a bound.
 */
export const EDGE_MAX_JSON_DEPTH = 12;

/** The routes as the HTTP server names them, for what is set per route before a handler runs. */
export function edgeRoutes(basePath: string): {
  readonly prefix: string;
  readonly sessionStarts: readonly string[];
  readonly downloaded: string;
  /** The URL routed: a location-hint segment after the base path (`/ee/or2/va/v1/ping`) is left out. */
  withoutLocationHint(url: string): string;
} {
  const full = (path: string) => `/${basePath}/${path}`;
  const escaped = basePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // alloy puts the hint it was given (the cluster cookie) between the base path and the version.
  const hinted = new RegExp(`^/${escaped}/(?!va/|v1/)[^/?#]+/((?:va/)?v1/)`);
  return {
    prefix: `/${basePath}/`,
    sessionStarts: [
      full(EDGE_PATHS.sessionStart),
      full(EDGE_PATHS.downloaded),
      full(EDGE_PATHS.interact),
      full(EDGE_PATHS.collect),
    ],
    downloaded: full(EDGE_PATHS.downloaded),
    withoutLocationHint: (url) =>
      url.startsWith(`/${basePath}/`) ? url.replace(hinted, `/${basePath}/$1`) : url,
  };
}
