// The /_coffer/ surface, beside S3: health checks, Prometheus metrics, and the admin JSON API
// under /_coffer/admin/v1/ (admin-api.ts), SigV4-signed by an admin user. Who may read metrics or
// use the admin API is decided by the authorizer, like every S3 request.
import type { RequestContext, S3Result } from '../http/context.js';
import { header } from '../http/context.js';
import { S3Error } from '../errors.js';
import type { SigV4Verifier } from '../auth/sigv4.js';
import { authorize } from '../auth/authorize.js';
import { bearerToken, sameToken } from '../auth/bearer.js';
import { principalOf, requestFacts } from '../http/request-facts.js';
import { ADMIN_PREFIX, answerAdmin, json } from './admin-api.js';
import type { CofferMetrics } from './metrics.js';
import { handleKeysAdmin } from './keys.js';

/** The admin API as one resource: an admin user may do everything in it, anyone else nothing. */
const ADMIN_ARN = 'arn:coffer:admin';
const METRICS_ARN = 'arn:coffer:metrics';

export interface MetricsAccess {
  /** COFFER_METRICS_PUBLIC=on: readable without credentials. */
  public: boolean;
  /** COFFER_METRICS_TOKEN: readable with `Authorization: Bearer <token>`. */
  token: string | undefined;
}

/** The /_coffer/ surface: health checks, metrics, then the admin API (SigV4 by an admin user). */
export function cofferSurface(verifier: SigV4Verifier, metrics: CofferMetrics, access: MetricsAccess): (ctx: RequestContext, rawPath: string) => Promise<S3Result> {
  return async (ctx, rawPath) => {
    try {
      decodeURIComponent(rawPath);
    } catch {
      throw new S3Error('InvalidURI');
    }
    if (rawPath === '/_coffer/metrics') {
      ctx.op = 'CofferMetrics';
      return handleMetrics(ctx, verifier, metrics, access);
    }
    const health = await handleHealth(ctx, rawPath);
    if (health) return health;
    ctx.op = 'CofferAdmin';
    return handleAdmin(ctx, verifier, rawPath);
  };
}

export async function handleHealth(ctx: RequestContext, path: string): Promise<S3Result | undefined> {
  if (path === '/_coffer/health/live') {
    ctx.op = 'CofferHealth';
    return json(200, { status: 'ok' });
  }
  if (path === '/_coffer/health/ready') {
    ctx.op = 'CofferHealth';
    await ctx.engine.checkReady();
    return json(200, { status: 'ready' });
  }
  return undefined;
}

/** Who signed the request with SigV4 (ctx.auth, ctx.user), or anonymous. */
async function authenticate(ctx: RequestContext, verifier: SigV4Verifier): Promise<void> {
  const auth = await verifier.authenticate({
    method: ctx.req.method ?? 'GET',
    rawPath: ctx.rawPath,
    rawQuery: ctx.rawQuery,
    headers: ctx.req.headers,
    rawHeaders: ctx.req.rawHeaders,
    now: new Date(),
  });
  ctx.auth = auth;
  if (!auth.anonymous && auth.credential) {
    const user = (await ctx.engine.lookupAccessKey(auth.credential.accessKeyId))?.user;
    if (!user) throw new S3Error('InvalidAccessKeyId');
    ctx.user = user;
  }
}

async function handleMetrics(ctx: RequestContext, verifier: SigV4Verifier, metrics: CofferMetrics, access: MetricsAccess): Promise<S3Result> {
  if (ctx.req.method !== 'GET' && ctx.req.method !== 'HEAD') throw new S3Error('MethodNotAllowed');
  const presented = bearerToken(header(ctx, 'authorization'));
  const tokenValid = presented !== undefined && access.token !== undefined && sameToken(presented, access.token);
  // A bearer header is no SigV4 signature: only other requests are verified as one.
  if (presented === undefined && !access.public) await authenticate(ctx, verifier);
  authorize({
    action: 'coffer:ReadMetrics',
    principal: principalOf(ctx),
    resource: { arn: METRICS_ARN, openToAnyone: access.public },
    facts: requestFacts(ctx),
    token: tokenValid ? 'metrics' : undefined,
  });
  const { contentType, text } = await metrics.render();
  return { status: 200, headers: { 'Content-Type': contentType }, body: text };
}

/** `path` is the raw (still percent-encoded) request path. */
export async function handleAdmin(ctx: RequestContext, verifier: SigV4Verifier, path: string): Promise<S3Result> {
  await authenticate(ctx, verifier);
  // Admin users only, as the authorizer decides for every request.
  authorize({ action: 'coffer:Admin', principal: principalOf(ctx), resource: { arn: ADMIN_ARN }, facts: requestFacts(ctx) });
  if (!path.startsWith(ADMIN_PREFIX)) return json(404, { error: `no admin endpoint ${ctx.req.method} ${path}`, code: 'NoSuchEndpoint' });
  // Each segment is decoded once, so a user name may contain '/' or '%' when encoded.
  let segments: string[];
  try {
    segments = path.slice(ADMIN_PREFIX.length).split('/').map(decodeURIComponent);
  } catch {
    throw new S3Error('InvalidURI');
  }
  // The SSE key endpoints (kms/keys, master-key/rotate) beside the users, keys and quotas.
  return (await handleKeysAdmin(ctx, segments, ctx.req.method)) ?? answerAdmin(ctx, segments);
}
