import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
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
  /** Headers every response to this request carries, an error's included (CORS's Access-Control-*). */
  responseHeaders?: Record<string, string>;
  /** The S3 error code the response carries, once one is sent (metrics and the access log). */
  errorCode?: string;
  /** Response body bytes written so far. */
  bytesSent: number;
  /**
   * x-amz-bypass-governance-retention: true was sent and the authorizer granted
   * s3:BypassGovernanceRetention; set by dispatch before the handler runs.
   */
  bypassGovernance?: boolean;
}

/** What a handler returns; one writer sends it. */
export interface S3Result {
  status: number;
  headers?: Record<string, string | number | undefined>;
  body?: string | Buffer | Readable;
}

/** A header of the request as one string (repeated headers joined), or undefined. */
export function header(ctx: RequestContext, name: string): string | undefined {
  return headerOf(ctx.req.headers, name);
}

/** A header of a set as one string (repeated headers joined), or undefined: also a form's fields read as headers. */
export function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
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
 * The context of one request. The child logger, the query and the abort signal are made on first
 * use: most requests never log below info, have no query or read no body, and each costs more
 * than a small GET. A class, so no request pays for closures or accessor pairs of its own.
 */
class Context implements RequestContext {
  readonly requestId: string;
  readonly hostId: string;
  readonly startedAt = performance.now();
  readonly config: Config;
  readonly engine: Engine;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly secure: boolean;
  expectsContinue: boolean;
  readonly rawPath: string;
  readonly rawQuery: string;
  bucket?: string;
  key?: string;
  auth?: AuthResult;
  user?: UserRecord;
  op?: string;
  responseHeaders?: Record<string, string>;
  errorCode?: string;
  bytesSent = 0;
  bypassGovernance?: boolean;
  readonly #baseLog: Logger;
  #log: Logger | undefined;
  #query: URLSearchParams | undefined;
  #aborter: AbortController | undefined;

  constructor(init: ContextInit) {
    this.requestId = init.requestId;
    this.hostId = init.hostId;
    this.config = init.config;
    this.engine = init.engine;
    this.req = init.req;
    this.res = init.res;
    this.secure = init.secure;
    this.expectsContinue = init.expectsContinue;
    this.rawPath = init.rawPath;
    this.rawQuery = init.rawQuery;
    this.#baseLog = init.baseLog;
  }

  get query(): URLSearchParams {
    return (this.#query ??= new URLSearchParams(this.rawQuery));
  }

  get log(): Logger {
    return (this.#log ??= this.#baseLog.child({ reqId: this.requestId, op: this.op, bucket: this.bucket, key: this.key }));
  }

  set log(value: Logger) {
    this.#log = value;
  }

  get signal(): AbortSignal {
    if (!this.#aborter) {
      const a = new AbortController();
      this.#aborter = a;
      const res = this.res;
      if (res.closed && !res.writableFinished) a.abort();
      else
        res.once('close', () => {
          if (!res.writableFinished) a.abort();
        });
    }
    return this.#aborter.signal;
  }
}

export function createContext(init: ContextInit): RequestContext {
  return new Context(init);
}
