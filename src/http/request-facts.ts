// What the authorizer learns of a request from HTTP: who signed it, and the conditions policies
// test (source address, TLS, headers, query). Shared by the S3 and admin surfaces.
import type { RequestContext } from './context.js';
import { ANONYMOUS } from '../auth/authorize.js';
import type { Principal, RequestFacts } from '../auth/authorize.js';

export function principalOf(ctx: RequestContext): Principal {
  return ctx.user ? { type: 'user', userId: ctx.user.id, admin: ctx.user.isAdmin } : ANONYMOUS;
}

export function requestFacts(ctx: RequestContext): RequestFacts {
  const auth = ctx.auth;
  return {
    sourceIp: ctx.req.socket.remoteAddress,
    secureTransport: ctx.secure,
    headers: ctx.req.headers,
    query: ctx.query,
    authType: auth === undefined || auth.anonymous || !auth.credential ? 'anonymous' : auth.presigned ? 'query' : 'header',
  };
}
