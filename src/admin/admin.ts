// The /_coffer/ surface, beside S3: the admin JSON API under /_coffer/admin/v1/, SigV4-signed by
// an admin user, and health checks.
import type { RequestContext, S3Result } from '../http/context.js';
import { header } from '../http/context.js';
import { S3Error } from '../errors.js';
import type { SigV4Verifier } from '../auth/sigv4.js';
import { UserError } from '../engine/users.js';
import { authorize } from '../auth/authorize.js';
import { principalOf, requestFacts } from '../http/request-facts.js';
import { readWholeBody } from '../http/body.js';
import { handleKeysAdmin } from './keys.js';

/** The admin API as one resource: an admin user may do everything in it, anyone else nothing. */
const ADMIN_ARN = 'arn:coffer:admin';

function json(status: number, value: unknown): S3Result {
  return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) };
}

/** The /_coffer/ surface: health checks, then the admin API (SigV4 by an admin user). */
export function cofferSurface(verifier: SigV4Verifier): (ctx: RequestContext, rawPath: string) => Promise<S3Result> {
  return async (ctx, rawPath) => {
    try {
      decodeURIComponent(rawPath);
    } catch {
      throw new S3Error('InvalidURI');
    }
    return (await handleHealth(ctx, rawPath)) ?? (await handleAdmin(ctx, verifier, rawPath));
  };
}

export async function handleHealth(ctx: RequestContext, path: string): Promise<S3Result | undefined> {
  if (path === '/_coffer/health/live') return json(200, { status: 'ok' });
  if (path === '/_coffer/health/ready') {
    await ctx.engine.checkReady();
    return json(200, { status: 'ready' });
  }
  return undefined;
}

interface CreateUserBody {
  name?: unknown;
  email?: unknown;
  admin?: unknown;
  accessKeyId?: unknown;
  secretAccessKey?: unknown;
}

function optionalString(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new UserError(400, `${name} must be a string`);
  return v;
}

/** `path` is the raw (still percent-encoded) request path. */
export async function handleAdmin(ctx: RequestContext, verifier: SigV4Verifier, path: string): Promise<S3Result> {
  const auth = await verifier.authenticate({
    method: ctx.req.method ?? 'GET',
    rawPath: ctx.rawPath,
    rawQuery: ctx.rawQuery,
    headers: ctx.req.headers,
    rawHeaders: ctx.req.rawHeaders,
    now: new Date(),
  });
  ctx.auth = auth;
  if (!auth.anonymous && auth.credential) ctx.user = (await ctx.engine.lookupAccessKey(auth.credential.accessKeyId))?.user;
  // Admin users only, as the authorizer decides for every request.
  authorize({ action: 'coffer:Admin', principal: principalOf(ctx), resource: { arn: ADMIN_ARN }, facts: requestFacts(ctx) });
  // Each segment is decoded once, so a user name may contain '/' or '%' when encoded.
  let rest: string[];
  try {
    rest = path.slice('/_coffer/admin/v1/'.length).split('/').map(decodeURIComponent);
  } catch {
    throw new S3Error('InvalidURI');
  }
  const method = ctx.req.method;
  try {
    if (rest[0] === 'users' && rest.length === 1 && method === 'GET') {
      const users = await ctx.engine.listUsers();
      return json(200, {
        users: users.map((u) => ({ id: u.id, name: u.name, email: u.email, admin: u.isAdmin, accessKeyIds: u.accessKeyIds, createdAt: new Date(u.createdAt).toISOString() })),
      });
    }
    if (rest[0] === 'users' && rest.length === 1 && method === 'POST') {
      if (header(ctx, 'content-type')?.includes('json') === false) throw new UserError(415, 'body must be JSON');
      const { text } = await readWholeBody(ctx, 64 * 1024);
      let body: CreateUserBody;
      try {
        body = JSON.parse(text) as CreateUserBody;
      } catch {
        throw new UserError(400, 'body must be a JSON object');
      }
      if (typeof body !== 'object' || body === null) throw new UserError(400, 'body must be a JSON object');
      const name = optionalString(body.name, 'name');
      if (!name) throw new UserError(400, 'name is required');
      if (body.admin !== undefined && typeof body.admin !== 'boolean') throw new UserError(400, 'admin must be a boolean');
      const created = await ctx.engine.createUser({
        name,
        email: optionalString(body.email, 'email'),
        admin: body.admin === true,
        accessKeyId: optionalString(body.accessKeyId, 'accessKeyId'),
        secretAccessKey: optionalString(body.secretAccessKey, 'secretAccessKey'),
      });
      return json(201, {
        id: created.user.id,
        name: created.user.name,
        email: created.user.email,
        admin: created.user.isAdmin,
        accessKeyId: created.accessKeyId,
        secretAccessKey: created.secretAccessKey,
      });
    }
    if (rest[0] === 'users' && rest.length === 2 && method === 'DELETE') {
      await ctx.engine.deleteUser(rest[1]!);
      return { status: 204 };
    }
    const keys = await handleKeysAdmin(ctx, rest, method);
    if (keys) return keys;
  } catch (err) {
    if (err instanceof UserError) return json(err.status, { error: err.message });
    throw err;
  }
  return json(404, { error: `no admin endpoint ${method} ${path}` });
}
