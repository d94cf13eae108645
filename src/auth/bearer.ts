// A bearer token in the Authorization header (Prometheus' `authorization` / `bearer_token`
// scrape settings), compared in constant time with the one the operator configured.
import { createHash, timingSafeEqual } from 'node:crypto';

/** The token of `Authorization: Bearer <token>`, or undefined for any other header. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const m = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m?.[1];
}

/** Whether `presented` is `expected`, in time that does not depend on where they differ. */
export function sameToken(presented: string, expected: string): boolean {
  // Digests first: equal lengths for timingSafeEqual, and no length leaked either.
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
