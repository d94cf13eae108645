// The HTTP edge: listeners, request ids, load shedding, one log line per request, and the split
// between the two surfaces it is given: /_coffer/ (health, admin) and S3. What they answer, and
// what stores and jobs stand behind them, is wired by the composition root (src/app.ts).
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { StartupError } from '../config.js';
import type { Engine } from '../engine/engine.js';
import { S3Error } from '../errors.js';
import { createContext } from './context.js';
import type { RequestContext, S3Result } from './context.js';
import { sendError, sendResult } from './response.js';
import { answerClientError, answerConnect } from './client-error.js';

/** What the edge serves: each surface turns a request into a result, or throws an S3Error. */
export interface Surfaces {
  /** Requests under /_coffer/ (health, admin API); `rawPath` is still percent-encoded. */
  coffer(ctx: RequestContext, rawPath: string): Promise<S3Result>;
  /** Every other request: the S3 API. */
  s3(ctx: RequestContext): Promise<S3Result>;
}

/** What one request came to, for metrics. */
export interface RequestOutcome {
  /** The S3 operation (route op), a Coffer* name for the /_coffer/ surface, or Unknown. */
  operation: string;
  status: number;
  errorCode: string | undefined;
  seconds: number;
  bytesReceived: number;
  bytesSent: number;
}

/** Told of every request as it ends, and of each shed; must be cheap, it runs on every request. */
export interface RequestObserver {
  requestDone(outcome: RequestOutcome): void;
  shed(): void;
}

export interface Listeners {
  /** http://host:port of the plain listener. */
  endpoint: string;
  tlsEndpoint?: string;
  /**
   * Stop accepting connections and close. Requests in progress get up to `graceMs` to finish
   * (idle keep-alive connections close at once); whatever is still running then is cut off.
   */
  close(graceMs?: number): Promise<void>;
  /** Requests in progress. */
  readonly inflight: number;
}

function splitUrl(url: string): { rawPath: string; rawQuery: string } {
  let u = url;
  // Absolute-form request targets (sent through proxies) carry scheme and host.
  const abs = /^https?:\/\/[^/]*/i.exec(u);
  if (abs) u = u.slice(abs[0].length) || '/';
  const q = u.indexOf('?');
  return q < 0 ? { rawPath: u, rawQuery: '' } : { rawPath: u.slice(0, q), rawQuery: u.slice(q + 1) };
}

/**
 * Request body bytes received: the announced length of a body read to its end (S3 requests are
 * framed by Content-Length, aws-chunked ones too); a body refused unread counts nothing.
 */
function bodyBytesReceived(req: IncomingMessage): number {
  if (!req.complete) return 0;
  const cl = req.headers['content-length'];
  const n = cl === undefined ? 0 : Number(cl);
  return Number.isSafeInteger(n) ? n : 0;
}

/**
 * The access log: one line per request with the fields of S3 server access logs (time, request
 * id, operation, bucket, key, status, error code, bytes in and out, total time, requester and its
 * access key, remote IP). Fields are kept to those: each costs on every request. The query, which
 * may hold a presigned URL's signature, is never logged.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html
 */
function logRequest(log: Logger, ctx: RequestContext, bytesReceived: number, ms: number): void {
  log.info(
    {
      reqId: ctx.requestId,
      op: ctx.op,
      method: ctx.req.method,
      bucket: ctx.bucket,
      key: ctx.key,
      status: ctx.res.statusCode,
      code: ctx.errorCode,
      bytesIn: bytesReceived,
      bytesOut: ctx.bytesSent,
      ms,
      requester: ctx.user?.name,
      accessKeyId: ctx.auth?.credential?.accessKeyId,
      remoteIp: ctx.req.socket.remoteAddress,
    },
    'request',
  );
}

/** Listen on the configured addresses and serve `surfaces`; a listener that cannot start closes the others. */
export async function serve(config: Config, log: Logger, engine: Engine, surfaces: Surfaces, observer?: RequestObserver): Promise<Listeners> {
  let inflight = 0;
  let requestCounter = 0;
  const idPrefix = randomBytes(4).toString('hex').toUpperCase();
  const hostPrefix = randomBytes(18).toString('base64');
  const logRequests = log.isLevelEnabled('info');

  const handle = async (req: IncomingMessage, res: ServerResponse, secure: boolean, expectsContinue = false): Promise<void> => {
    // Request ids: a random per-process prefix and a counter, as unique as S3's and cheaper
    // than asking the kernel for randomness twice per request.
    requestCounter = (requestCounter + 1) % 0x100000000;
    const requestId = idPrefix + requestCounter.toString(16).toUpperCase().padStart(8, '0');
    const hostId = hostPrefix + requestId;
    const { rawPath, rawQuery } = splitUrl(req.url ?? '/');
    const ctx = createContext({ requestId, hostId, baseLog: log, config, engine, req, res, secure, expectsContinue, rawPath, rawQuery });
    inflight++;
    try {
      if (config.maxInflight > 0 && inflight > config.maxInflight) {
        observer?.shed();
        throw new S3Error('ServiceUnavailable');
      }
      await sendResult(ctx, rawPath.startsWith('/_coffer/') ? await surfaces.coffer(ctx, rawPath) : await surfaces.s3(ctx));
    } catch (err) {
      sendError(ctx, err);
    } finally {
      inflight--;
      const ms = performance.now() - ctx.startedAt;
      const bytesReceived = bodyBytesReceived(req);
      observer?.requestDone({
        operation: ctx.op ?? 'Unknown',
        status: res.statusCode,
        errorCode: ctx.errorCode,
        seconds: ms / 1000,
        bytesReceived,
        bytesSent: ctx.bytesSent,
      });
      if (logRequests) logRequest(log, ctx, bytesReceived, Math.round(ms));
    }
  };

  const servers: Server[] = [];
  warnIfFilesLimitLow(config, log);
  const listen = async (server: Server, host: string, port: number): Promise<AddressInfo> => {
    // Uploads can take long; stalls are caught per body by COFFER_REQUEST_TIMEOUT instead.
    server.requestTimeout = 0;
    // A client trickling its headers (slowloris) is answered 400 RequestTimeout and closed once
    // COFFER_HEADERS_TIMEOUT has passed since its request began (answerClientError).
    server.headersTimeout = config.headersTimeoutMs;
    server.keepAliveTimeout = 65_000;
    limitConnections(server, config.maxConnections, log);
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => answerClientError(log, err, socket));
    server.on('connect', (_req, socket) => answerConnect(log, socket));
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      const fail = (err: NodeJS.ErrnoException): void => {
        const why = err.code === 'EADDRINUSE' ? 'the address is in use (another server on that port?)' : err.message;
        reject(new StartupError(`cannot listen on ${host}:${port}: ${why}`));
      };
      server.once('error', fail);
      server.listen(port, host, () => {
        server.off('error', fail);
        // A listening server reports a failed accept (EMFILE: out of file descriptors) as an
        // 'error' event, which unhandled would end the process; the listener goes on instead.
        server.on('error', (err: NodeJS.ErrnoException) => log.error({ err, code: err.code }, 'accepting a connection failed'));
        resolve();
      });
    });
    return server.address() as AddressInfo;
  };
  const fmt = (a: AddressInfo, scheme: string): string => `${scheme}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;

  // A request without Host gets S3's answer from the handler, not Node's bare 400.
  const options = { requireHostHeader: false, connectionsCheckingInterval: checkingInterval(config.headersTimeoutMs) };
  const http = createHttpServer(options, (req, res) => void handle(req, res, false));
  http.on('checkContinue', (req, res) => void handle(req, res, false, true));
  // S3 ignores an Expect header it does not know; Node would answer 417 itself.
  http.on('checkExpectation', (req, res) => void handle(req, res, false));
  const close = async (graceMs = 0): Promise<void> => {
    // Each server's close callback runs once its last connection has ended; a connection that
    // finishes a request after close() is not kept alive.
    const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
    for (const s of servers) s.closeIdleConnections();
    if (graceMs > 0 && inflight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    for (const s of servers) s.closeAllConnections();
    await closed;
  };
  let endpoint: string;
  let tlsEndpoint: string | undefined;
  try {
    endpoint = fmt(await listen(http, config.address.host, config.address.port), 'http');
    if (config.tls) {
      const https = createHttpsServer({ ...readTlsFiles(config.tls), ...options }, (req, res) => void handle(req, res, true));
      https.on('checkContinue', (req, res) => void handle(req, res, true, true));
      https.on('checkExpectation', (req, res) => void handle(req, res, true));
      tlsEndpoint = fmt(await listen(https, config.tls.host, config.tls.port), 'https');
    }
  } catch (err) {
    // A listener that cannot start leaves none of the others open.
    await close();
    throw err;
  }
  return {
    endpoint,
    tlsEndpoint,
    close,
    get inflight() {
      return inflight;
    },
  };
}

/**
 * How often node looks for connections past their headers timeout. Its default, 30 s, would let a
 * slow client hold its connection up to 30 s longer than COFFER_HEADERS_TIMEOUT.
 */
function checkingInterval(headersTimeoutMs: number): number {
  return Math.max(50, Math.min(1000, Math.floor(headersTimeoutMs / 4)));
}

/** Descriptors a gateway needs besides its connections: the database, blobs being written and read, logs. */
const FILES_RESERVE = 256;

/**
 * Past the process's open-file limit the kernel refuses new connections and libuv closes them
 * unseen: no log line and no COFFER_MAX_CONNECTIONS accounting. Say so at start-up when the
 * connection limit (on each listener) cannot be reached. The limit is read from /proc (Linux);
 * elsewhere nothing is said.
 */
function warnIfFilesLimitLow(config: Config, log: Logger): void {
  let text: string;
  try {
    text = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return;
  }
  const soft = /^Max open files\s+(\d+|unlimited)/m.exec(text)?.[1];
  if (soft === undefined || soft === 'unlimited') return;
  const listeners = config.tls ? 2 : 1;
  const wanted = config.maxConnections === 0 ? Number.POSITIVE_INFINITY : config.maxConnections * listeners + FILES_RESERVE;
  if (Number(soft) < wanted) {
    log.warn(
      { openFilesLimit: Number(soft), maxConnections: config.maxConnections },
      'the open-file limit (ulimit -n) is below COFFER_MAX_CONNECTIONS plus what the server needs: connections beyond it are dropped by the system, unlogged',
    );
  }
}

/** How often at most a listener logs that it closed connections beyond COFFER_MAX_CONNECTIONS. */
const DROP_LOG_INTERVAL_MS = 1000;

/**
 * COFFER_MAX_CONNECTIONS: a connection beyond the limit is closed as soon as it is accepted,
 * before anything is read from it, so a flood of connections cannot exhaust the file descriptors
 * or memory the served clients need. Closed connections are logged as a count, at most once a
 * second, so the flood does not also flood the log.
 */
function limitConnections(server: Server, maxConnections: number, log: Logger): void {
  if (maxConnections <= 0) return;
  server.maxConnections = maxConnections;
  let dropped = 0;
  server.on('drop', () => {
    if (dropped++ > 0) return;
    setTimeout(() => {
      log.warn({ dropped, maxConnections }, 'closed new connections: COFFER_MAX_CONNECTIONS connections are open');
      dropped = 0;
    }, DROP_LOG_INTERVAL_MS).unref();
  });
}

/** The certificate and key files, read and checked now: a bad path or PEM stops the start-up. */
function readTlsFiles(tls: NonNullable<Config['tls']>): { cert: Buffer; key: Buffer } {
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new StartupError(`cannot read ${what} ${file}: ${(err as Error).message}`);
    }
  };
  const files = { cert: read(tls.certFile, 'COFFER_TLS_CERT'), key: read(tls.keyFile, 'COFFER_TLS_KEY') };
  try {
    createSecureContext(files);
  } catch (err) {
    throw new StartupError(`COFFER_TLS_CERT and COFFER_TLS_KEY are not a usable certificate and key: ${(err as Error).message}`);
  }
  return files;
}
