import { randomInt } from 'node:crypto';

/** How long the identity cookie lives, as Adobe's Edge sets it (395 days). */
const IDENTITY_MAX_AGE_SECONDS = 34_128_000;

/** The identity cookie of an org, as alloy names it: `kndctr_<orgId, @ as _>_identity`. */
export const identityCookieName = (orgId: string) => `kndctr_${orgId.replace(/@/g, '_')}_identity`;

/**
 * A new identity in the form alloy decodes: base64 of protobuf field 1 holding 38 digits. It is
 * this service's id of a browser, not Adobe's ECID; alloy only checks that the cookie is there.
 */
export function newIdentity(): string {
  let digits = String(randomInt(1, 10));
  while (digits.length < 38) digits += String(randomInt(0, 10));
  return Buffer.concat([Buffer.from([0x0a, 38]), Buffer.from(digits, 'ascii')]).toString('base64');
}

/**
 * Whether the browser already holds the identity cookie: as a Cookie header (first-party), or in
 * the body's `meta.state.entries`, where alloy copies its cookies for a service on another site.
 */
export function hasIdentity(cookieName: string, cookies: unknown, body: unknown): boolean {
  if (
    typeof cookies === 'string' &&
    cookies.split(';').some((c) => c.trim().startsWith(`${cookieName}=`))
  )
    return true;
  const entries = (body as { meta?: { state?: { entries?: unknown } } } | null)?.meta?.state
    ?.entries;
  return (
    Array.isArray(entries) &&
    entries.some((entry) => (entry as { key?: unknown } | null)?.key === cookieName)
  );
}

/** The `state:store` handle that has alloy set the identity cookie. */
export function identityHandle(orgId: string) {
  return {
    type: 'state:store',
    payload: [
      { key: identityCookieName(orgId), value: newIdentity(), maxAge: IDENTITY_MAX_AGE_SECONDS },
    ],
  };
}
