// The admin API: JSON under /_coffer/admin/v1/, SigV4-signed by an admin user (DESIGN.md's
// operator interface names these paths; `coffer admin` is its thin client). Users and their
// access keys, bucket quotas, usage. A refusal is {error, code} with an HTTP status; anything
// that is not one is an S3 error, rendered as XML by the edge.
import type { RequestContext, S3Result } from '../http/context.js';
import { header } from '../http/context.js';
import { readWholeBody } from '../http/body.js';
import { UserError } from '../engine/users.js';
import type { UserDetails } from '../engine/users.js';
import { parseQuota } from '../engine/quota.js';
import type { AccessKeyRecord, BucketUsageRow, UserRecord } from '../meta/types.js';

export const ADMIN_PREFIX = '/_coffer/admin/v1/';

export function json(status: number, value: unknown): S3Result {
  return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) };
}

/** One admin endpoint: method, path segments (`:name` binds a segment), handler. */
interface AdminRoute {
  method: string;
  path: string[];
  handle(ctx: RequestContext, params: Record<string, string>): Promise<S3Result>;
}

function optionalString(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new UserError(400, `${name} must be a string`, 'InvalidArgument');
  return v;
}

/** The request's JSON object body ({} when there is none). */
async function readJson(ctx: RequestContext): Promise<Record<string, unknown>> {
  if (header(ctx, 'content-type')?.includes('json') === false) throw new UserError(415, 'body must be JSON', 'InvalidArgument');
  const { text } = await readWholeBody(ctx, 64 * 1024);
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new UserError(400, 'body must be a JSON object', 'InvalidArgument');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UserError(400, 'body must be a JSON object', 'InvalidArgument');
  return body as Record<string, unknown>;
}

function userJson(u: UserRecord): Record<string, unknown> {
  return { id: u.id, name: u.name, email: u.email, admin: u.isAdmin, createdAt: new Date(u.createdAt).toISOString() };
}

function keyJson(k: Omit<AccessKeyRecord, 'secretAccessKey'>): Record<string, unknown> {
  return { accessKeyId: k.accessKeyId, status: k.status ?? 'Active', createdAt: new Date(k.createdAt).toISOString() };
}

function detailsJson(d: UserDetails): Record<string, unknown> {
  return { ...userJson(d.user), accessKeys: d.accessKeys.map(keyJson) };
}

export function usageJson(r: BucketUsageRow): Record<string, unknown> {
  return {
    bucket: r.bucket,
    objects: r.usage.objectCount,
    bytes: r.usage.bytes,
    incompleteUploads: { parts: r.uploads.parts, bytes: r.uploads.bytes },
    quota: r.quota ?? null,
  };
}

const ROUTES: readonly AdminRoute[] = [
  {
    method: 'GET',
    path: ['users'],
    async handle(ctx) {
      const users = await ctx.engine.listUsers();
      return json(200, { users: users.map((u) => ({ ...userJson(u), accessKeyIds: u.accessKeyIds })) });
    },
  },
  {
    method: 'POST',
    path: ['users'],
    async handle(ctx) {
      const body = await readJson(ctx);
      const name = optionalString(body.name, 'name');
      if (!name) throw new UserError(400, 'name is required', 'InvalidArgument');
      if (body.admin !== undefined && typeof body.admin !== 'boolean') throw new UserError(400, 'admin must be a boolean', 'InvalidArgument');
      const created = await ctx.engine.createUser({
        name,
        email: optionalString(body.email, 'email'),
        admin: body.admin === true,
        accessKeyId: optionalString(body.accessKeyId, 'accessKeyId'),
        secretAccessKey: optionalString(body.secretAccessKey, 'secretAccessKey'),
      });
      return json(201, { ...userJson(created.user), accessKeyId: created.accessKeyId, secretAccessKey: created.secretAccessKey });
    },
  },
  {
    method: 'GET',
    path: ['users', ':name'],
    handle: async (ctx, p) => json(200, detailsJson(await ctx.engine.getUserDetails(p.name!))),
  },
  {
    method: 'DELETE',
    path: ['users', ':name'],
    async handle(ctx, p) {
      await ctx.engine.deleteUser(p.name!);
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    path: ['users', ':name', 'keys'],
    handle: async (ctx, p) => json(200, { accessKeys: (await ctx.engine.getUserDetails(p.name!)).accessKeys.map(keyJson) }),
  },
  {
    method: 'POST',
    path: ['users', ':name', 'keys'],
    async handle(ctx, p) {
      const body = await readJson(ctx);
      const key = await ctx.engine.addAccessKey(p.name!, {
        accessKeyId: optionalString(body.accessKeyId, 'accessKeyId'),
        secretAccessKey: optionalString(body.secretAccessKey, 'secretAccessKey'),
      });
      return json(201, { ...keyJson(key), secretAccessKey: key.secretAccessKey });
    },
  },
  {
    method: 'PUT',
    path: ['users', ':name', 'keys', ':key'],
    async handle(ctx, p) {
      const body = await readJson(ctx);
      if (body.status !== 'Active' && body.status !== 'Inactive') throw new UserError(400, 'status must be Active or Inactive', 'InvalidArgument');
      return json(200, keyJson(await ctx.engine.setAccessKeyStatus(p.name!, p.key!, body.status)));
    },
  },
  {
    method: 'DELETE',
    path: ['users', ':name', 'keys', ':key'],
    async handle(ctx, p) {
      await ctx.engine.deleteAccessKey(p.name!, p.key!);
      return { status: 204 };
    },
  },
  {
    method: 'PUT',
    path: ['buckets', ':bucket', 'quota'],
    async handle(ctx, p) {
      const quota = parseQuota(await readJson(ctx));
      await ctx.engine.setBucketQuota(p.bucket!, quota);
      return json(200, quota);
    },
  },
  {
    method: 'GET',
    path: ['buckets', ':bucket', 'quota'],
    async handle(ctx, p) {
      const quota = await ctx.engine.getBucketQuota(p.bucket!);
      if (!quota) throw new UserError(404, `bucket ${p.bucket} has no quota`, 'NoSuchQuota');
      return json(200, quota);
    },
  },
  {
    method: 'DELETE',
    path: ['buckets', ':bucket', 'quota'],
    async handle(ctx, p) {
      await ctx.engine.setBucketQuota(p.bucket!, undefined);
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    path: ['buckets', ':bucket', 'usage'],
    handle: async (ctx, p) => json(200, usageJson(await ctx.engine.getBucketUsage(p.bucket!))),
  },
  {
    method: 'GET',
    path: ['usage'],
    async handle(ctx) {
      const rows = await ctx.engine.listBucketUsage();
      const sum = (f: (r: BucketUsageRow) => number): number => rows.reduce((n, r) => n + f(r), 0);
      return json(200, {
        buckets: rows.map(usageJson),
        total: {
          buckets: rows.length,
          objects: sum((r) => r.usage.objectCount),
          bytes: sum((r) => r.usage.bytes),
          incompleteUploads: { parts: sum((r) => r.uploads.parts), bytes: sum((r) => r.uploads.bytes) },
        },
      });
    },
  },
];

function match(route: AdminRoute, segments: string[]): Record<string, string> | undefined {
  if (route.path.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, want] of route.path.entries()) {
    const got = segments[i]!;
    if (want.startsWith(':')) {
      if (got === '') return undefined;
      params[want.slice(1)] = got;
    } else if (want !== got) return undefined;
  }
  return params;
}

/** Answer an admin request whose caller the authorizer has let in; `segments` are decoded path segments after /v1/. */
export async function answerAdmin(ctx: RequestContext, segments: string[]): Promise<S3Result> {
  const method = ctx.req.method ?? 'GET';
  let pathKnown = false;
  try {
    for (const route of ROUTES) {
      const params = match(route, segments);
      if (!params) continue;
      pathKnown = true;
      if (route.method === method) return await route.handle(ctx, params);
    }
  } catch (err) {
    if (err instanceof UserError) return json(err.status, { error: err.message, code: err.code ?? 'InvalidRequest' });
    throw err;
  }
  const where = `${method} ${ADMIN_PREFIX}${segments.join('/')}`;
  return pathKnown ? json(405, { error: `method not allowed: ${where}`, code: 'MethodNotAllowed' }) : json(404, { error: `no admin endpoint ${where}`, code: 'NoSuchEndpoint' });
}
