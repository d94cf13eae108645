// What the authorizer learns of a request from HTTP: who signed it, and the conditions policies
// test (source address, TLS, headers, query). Shared by the S3 and admin surfaces.
import type { RequestContext } from './context.js';
import { ANONYMOUS } from '../auth/authorize.js';
import type { Principal, RequestFacts } from '../auth/authorize.js';

export function principalOf(ctx: RequestContext): Principal {
  return ctx.user ? { type: 'user', userId: ctx.user.id, admin: ctx.user.isAdmin, name: ctx.user.name } : ANONYMOUS;
}

export function requestFacts(ctx: RequestContext): RequestFacts {
  const auth = ctx.auth;
  return {
    sourceIp: ctx.req.socket.remoteAddress,
    secureTransport: ctx.secure,
    headers: ctx.req.headers,
    query: ctx.query,
    authType: auth === undefined || auth.anonymous || !auth.credential ? 'anonymous' : auth.presigned ? 'query' : 'header',
    signatureVersion: auth === undefined || auth.anonymous || !auth.credential ? undefined : signatureVersionOf(ctx),
  };
}

/** s3:signatureversion: SigV2 requests carry `AWS ` in Authorization or AWSAccessKeyId in the query. */
function signatureVersionOf(ctx: RequestContext): 'AWS4-HMAC-SHA256' | 'AWS' {
  const authz = ctx.req.headers.authorization;
  if (typeof authz === 'string') return authz.startsWith('AWS4-') ? 'AWS4-HMAC-SHA256' : 'AWS';
  return ctx.rawQuery.includes('X-Amz-Algorithm=') ? 'AWS4-HMAC-SHA256' : 'AWS';
}
