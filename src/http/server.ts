// The HTTP edge: request ids, the S3 and /_coffer/ surfaces, load shedding, one log line per
// request. Everything below is reached through a RequestContext.
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { StartupError } from '../config.js';
import { Engine } from '../engine/engine.js';
import { createEngineCache } from '../engine/cache.js';
import { Md5Pool } from '../checksums/index.js';
import type { CreatedUser } from '../engine/users.js';
import { FsBlobStore } from '../blobs/fs-blob-store.js';
import { SqliteStore } from '../meta/sqlite/sqlite-store.js';
import type { MetadataStore } from '../meta/store.js';
import { SigV4Verifier } from '../auth/sigv4.js';
import type { CredentialLookup } from '../auth/sigv4.js';
import { SigV2Verifier, withSigV2 } from '../auth/sigv2.js';
import { S3Error } from '../errors.js';
import { checkS3Routes } from '../s3/dispatch.js';
import { dispatchS3 } from '../s3/dispatch.js';
import { handleAdmin, handleHealth } from '../admin/admin.js';
import { createContext } from './context.js';
import { sendError, sendResult } from './response.js';
import { answerClientError } from './client-error.js';
import { RateLimiter } from './rate-limit.js';
import { startUploadExpiry } from '../jobs/expire-uploads.js';
import { BLOB_GC_MIN_AGE_MS, startBlobCollection } from '../jobs/collect-blobs.js';

export interface CofferServer {
  engine: Engine;
  /** http://host:port of the plain listener. */
  endpoint: string;
  tlsEndpoint?: string;
  /** Root keys generated on this start (first start without COFFER_ROOT_*), else undefined. */
  generatedRoot?: CreatedUser;
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

/** What a test may set that no operator does. */
export interface StartOptions {
  /** Milliseconds for the rate limiter (default Date.now), so tests move time instead of sleeping. */
  clock?: () => number;
}

export async function startCoffer(config: Config, log: Logger = pino({ level: config.logLevel }), options: StartOptions = {}): Promise<CofferServer> {
  checkS3Routes();
  await mkdir(config.dataDir, { recursive: true }).catch((err: Error) => {
    throw new StartupError(`cannot use the data directory ${config.dataDir}: ${err.message}`);
  });
  // The database first: a data dir another Coffer serves stops the start-up before anything
  // else is touched.
  const meta: MetadataStore = SqliteStore.open(config.dataDir);
  const blobs = new FsBlobStore(config.dataDir, { minFreeBytes: config.minFreeBytes });
  const { othersAlive } = await blobs.init();
  const engine = new Engine({
    meta,
    blobs,
    cache: createEngineCache(),
    md5: new Md5Pool(),
    limits: {
      region: config.region,
      knownRegions: new Set(config.regionEndpoints.keys()),
      maxBuckets: config.maxBuckets,
      maxObjectSizeBytes: config.maxObjectSizeBytes,
      inlineMaxBytes: config.inlineMaxBytes,
    },
  });
  const generatedRoot = await engine.ensureRootUser(config.rootAccessKey, config.rootSecretKey);
  // Alone on the data dir, every unregistered blob is an orphan of an earlier crash; with other
  // processes writing, only those old enough to be orphans are taken.
  const collected = await engine.collectGarbage(othersAlive === 0 ? 0 : BLOB_GC_MIN_AGE_MS);
  if (collected > 0) log.info({ collected }, 'removed orphan blobs left by an earlier crash');
  const collection = startBlobCollection(engine, log);

  const expiry = startUploadExpiry(engine, config.uploadMaxAgeMs, log);

  const lookup: CredentialLookup = async (accessKeyId) => {
    const found = await engine.lookupAccessKey(accessKeyId);
    return found && { accessKeyId, secretAccessKey: found.key.secretAccessKey, userId: found.user.id };
  };
  // The admin API stays SigV4-only; COFFER_SIGV2 opens the S3 API to legacy clients.
  const verifier = new SigV4Verifier(lookup);
  const s3Verifier = config.sigV2 ? withSigV2(verifier, new SigV2Verifier(lookup)) : verifier;
  const limiter = new RateLimiter(config.rateLimitPerSecond, options.clock);
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
      if (config.maxInflight > 0 && inflight > config.maxInflight) throw new S3Error('ServiceUnavailable');
      if (rawPath.startsWith('/_coffer/')) {
        try {
          decodeURIComponent(rawPath);
        } catch {
          throw new S3Error('InvalidURI');
        }
        const health = await handleHealth(ctx, rawPath);
        await sendResult(ctx, health ?? (await handleAdmin(ctx, verifier, rawPath)));
      } else {
        await sendResult(ctx, await dispatchS3(ctx, s3Verifier, limiter));
      }
    } catch (err) {
      sendError(ctx, err);
    } finally {
      inflight--;
      if (logRequests) ctx.log.info({ method: req.method, status: res.statusCode, ms: Math.round(performance.now() - ctx.startedAt) }, 'request');
    }
  };

  const servers: Server[] = [];
  const listen = async (server: Server, host: string, port: number): Promise<AddressInfo> => {
    // Uploads can take long; stalls are caught per body by COFFER_REQUEST_TIMEOUT instead.
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    server.keepAliveTimeout = 65_000;
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => answerClientError(log, err, socket));
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      const fail = (err: NodeJS.ErrnoException): void => {
        const why = err.code === 'EADDRINUSE' ? 'the address is in use (another server on that port?)' : err.message;
        reject(new StartupError(`cannot listen on ${host}:${port}: ${why}`));
      };
      server.once('error', fail);
      server.listen(port, host, () => {
        server.off('error', fail);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  };
  const fmt = (a: AddressInfo, scheme: string): string => `${scheme}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;

  // A request without Host gets S3's answer from the handler, not Node's bare 400.
  const http = createHttpServer({ requireHostHeader: false }, (req, res) => void handle(req, res, false));
  http.on('checkContinue', (req, res) => void handle(req, res, false, true));
  // S3 ignores an Expect header it does not know; Node would answer 417 itself.
  http.on('checkExpectation', (req, res) => void handle(req, res, false));
  const close = async (graceMs = 0): Promise<void> => {
    await expiry.stop();
    await collection.stop();
    // Each server's close callback runs once its last connection has ended; a connection that
    // finishes a request after close() is not kept alive.
    const closed = Promise.all(
      servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))),
    );
    for (const s of servers) s.closeIdleConnections();
    if (graceMs > 0 && inflight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    for (const s of servers) s.closeAllConnections();
    await closed;
    await meta.close();
    await blobs.close();
    await engine.deps.md5.close();
  };
  let endpoint: string;
  let tlsEndpoint: string | undefined;
  try {
    endpoint = fmt(await listen(http, config.address.host, config.address.port), 'http');
    if (config.tls) {
      const https = createHttpsServer({ ...readTlsFiles(config.tls), requireHostHeader: false }, (req, res) => void handle(req, res, true));
      https.on('checkContinue', (req, res) => void handle(req, res, true, true));
      https.on('checkExpectation', (req, res) => void handle(req, res, true));
      tlsEndpoint = fmt(await listen(https, config.tls.host, config.tls.port), 'https');
    }
  } catch (err) {
    // Nothing of a server that cannot listen keeps running (or keeps the process alive).
    await close();
    throw err;
  }
  return {
    engine,
    endpoint,
    tlsEndpoint,
    generatedRoot,
    close,
    get inflight() {
      return inflight;
    },
  };
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
