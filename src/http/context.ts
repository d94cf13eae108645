import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Engine } from '../engine/engine.js';
import type { UserRecord } from '../meta/types.js';
import type { AuthResult } from '../auth/sigv4.js';

/** Everything a request needs, built at the edge and passed down. No module-level state. */
export interface RequestContext {
  requestId: string;
  hostId: string;
  startedAt: number;
  log: Logger;
  config: Config;
  engine: Engine;
  req: IncomingMessage;
  res: ServerResponse;
  /** The client sent Expect: 100-continue and waits for it before sending the body. */
  expectsContinue: boolean;
  /** The request came over TLS. */
  secure: boolean;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  rawPath: string;
  rawQuery: string;
  query: URLSearchParams;
  bucket?: string;
  key?: string;
  auth?: AuthResult;
  user?: UserRecord;
  op?: string;
}

/** What a handler returns; one writer sends it. */
export interface S3Result {
  status: number;
  headers?: Record<string, string | number | undefined>;
  body?: string | Buffer | Readable;
}

/** A header as one string (repeated headers joined), or undefined. */
export function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.req.headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}
