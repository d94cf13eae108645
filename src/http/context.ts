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

export interface ContextInit {
  requestId: string;
  hostId: string;
  baseLog: Logger;
  config: Config;
  engine: Engine;
  req: IncomingMessage;
  res: ServerResponse;
  secure: boolean;
  expectsContinue: boolean;
  rawPath: string;
  rawQuery: string;
}

/**
 * The context of one request. The child logger and the abort signal are made on first use:
 * most requests never log below info or read a body, and both cost more than a small GET.
 */
export function createContext(init: ContextInit): RequestContext {
  let log: Logger | undefined;
  let aborter: AbortController | undefined;
  let query: URLSearchParams | undefined;
  const ctx: RequestContext = {
    requestId: init.requestId,
    hostId: init.hostId,
    startedAt: performance.now(),
    config: init.config,
    engine: init.engine,
    req: init.req,
    res: init.res,
    secure: init.secure,
    expectsContinue: init.expectsContinue,
    rawPath: init.rawPath,
    rawQuery: init.rawQuery,
    get query() {
      return (query ??= new URLSearchParams(init.rawQuery));
    },
    get log() {
      return (log ??= init.baseLog.child({ reqId: init.requestId, op: ctx.op, bucket: ctx.bucket, key: ctx.key }));
    },
    set log(value: Logger) {
      log = value;
    },
    get signal() {
      if (!aborter) {
        const a = new AbortController();
        aborter = a;
        if (init.res.closed && !init.res.writableFinished) a.abort();
        else init.res.once('close', () => {
          if (!init.res.writableFinished) a.abort();
        });
      }
      return aborter.signal;
    },
  };
  return ctx;
}
