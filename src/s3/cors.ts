// Cross-origin requests from browsers, answered from the bucket's CORS rules: the OPTIONS
// preflight, and the Access-Control-* headers of the actual request's response (errors included,
// so a page can read why it was refused). The first rule that matches answers.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/RESTOPTIONSobject.html
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { header } from '../http/context.js';
import type { CorsRule } from '../engine/records.js';
import { CORS_METHODS } from './cors-config.js';

/** What a response that depends on the CORS rules varies by, for caches between browser and Coffer. */
export const CORS_VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';

/** `pattern` with at most one `*`, which stands for any run of characters (none included). */
function wildcardMatches(pattern: string, value: string): boolean {
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === value;
  const head = pattern.slice(0, star);
  const tail = pattern.slice(star + 1);
  return value.length >= head.length + tail.length && value.startsWith(head) && value.endsWith(tail);
}

export interface CorsQuery {
  origin: string;
  method: string;
  /** Access-Control-Request-Headers of a preflight, lower-case; none for an actual request. */
  requestHeaders: readonly string[];
}

/**
 * The first rule that allows the origin, the method and every requested header. "Access-Control-
 * Request-Headers … each header … must match an entry in AllowedHeader"; header names are
 * compared without case, origins as sent.
 */
export function matchCorsRule(rules: readonly CorsRule[], q: CorsQuery): CorsRule | undefined {
  return rules.find(
    (r) =>
      r.allowedOrigins.some((o) => wildcardMatches(o, q.origin)) &&
      r.allowedMethods.includes(q.method) &&
      q.requestHeaders.every((h) => r.allowedHeaders.some((a) => wildcardMatches(a.toLowerCase(), h))),
  );
}

/**
 * The headers a matched rule grants. A rule for any origin (`*`) answers `*` and no credentials;
 * a rule naming origins answers the request's origin and allows credentials (cookies do not
 * reach S3, but signed fetch() calls are "credentialed" to a browser only with this header).
 */
export function corsGrantHeaders(rule: CorsRule, origin: string, preflight?: { requestHeaders: string | undefined }): Record<string, string> {
  const h: Record<string, string> = { Vary: CORS_VARY };
  if (rule.allowedOrigins.includes('*')) h['Access-Control-Allow-Origin'] = '*';
  else {
    h['Access-Control-Allow-Origin'] = origin;
    h['Access-Control-Allow-Credentials'] = 'true';
  }
  h['Access-Control-Allow-Methods'] = rule.allowedMethods.join(', ');
  if (rule.exposeHeaders.length > 0) h['Access-Control-Expose-Headers'] = rule.exposeHeaders.join(', ');
  if (preflight) {
    if (preflight.requestHeaders !== undefined && preflight.requestHeaders.trim() !== '') h['Access-Control-Allow-Headers'] = preflight.requestHeaders.trim();
    if (rule.maxAgeSeconds !== undefined) h['Access-Control-Max-Age'] = String(rule.maxAgeSeconds);
  }
  return h;
}

/** Access-Control-Request-Headers as a list of lower-case names. */
function requestedHeaders(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}

/**
 * OPTIONS on a bucket or an object: the preflight a browser sends before a cross-origin request
 * it may not send unasked. It is answered from the CORS rules alone, without credentials (a
 * browser sends none with a preflight), so it is not authenticated or authorized.
 */
export async function corsPreflight(ctx: RequestContext): Promise<S3Result> {
  const origin = header(ctx, 'origin');
  if (origin === undefined || origin === '') throw new S3Error('BadRequest', { message: 'Insufficient information. Origin request header needed.' });
  const method = header(ctx, 'access-control-request-method');
  if (method === undefined || !CORS_METHODS.has(method)) throw new S3Error('BadRequest', { message: `Invalid Access-Control-Request-Method: ${method ?? 'null'}` });
  const fields = { Method: method, ResourceType: ctx.key !== undefined ? 'OBJECT' : 'BUCKET' };
  const found = ctx.bucket === undefined ? undefined : await ctx.engine.corsRulesOf(ctx.bucket);
  if (ctx.bucket !== undefined && found === undefined) throw new S3Error('NoSuchBucket', { fields: { BucketName: ctx.bucket } });
  const rules = found?.rules;
  if (!rules || rules.length === 0) throw new S3Error('AccessForbidden', { message: 'CORSResponse: CORS is not enabled for this bucket.', fields });
  const requestHeaders = header(ctx, 'access-control-request-headers');
  const rule = matchCorsRule(rules, { origin, method, requestHeaders: requestedHeaders(requestHeaders) });
  if (!rule) throw new S3Error('AccessForbidden', { fields });
  return { status: 200, headers: corsGrantHeaders(rule, origin, { requestHeaders }) };
}

/**
 * The Access-Control-* headers of an actual request's response, set on the context so that its
 * error, if it fails, carries them too. The method evaluated is Access-Control-Request-Method when
 * the request carries one, else its own (s3-tests' test_cors_origin_response, which AWS passes).
 */
export async function applyCorsHeaders(ctx: RequestContext): Promise<void> {
  const origin = header(ctx, 'origin');
  if (origin === undefined || ctx.bucket === undefined) return;
  const rules = (await ctx.engine.corsRulesOf(ctx.bucket))?.rules;
  if (!rules || rules.length === 0) return;
  const method = header(ctx, 'access-control-request-method') ?? ctx.req.method ?? 'GET';
  const rule = matchCorsRule(rules, { origin, method, requestHeaders: [] });
  ctx.responseHeaders = rule ? corsGrantHeaders(rule, origin) : { Vary: CORS_VARY };
}
