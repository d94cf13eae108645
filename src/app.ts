// The composition root: one place builds Coffer from its config — metadata store, blob store,
// engine, background jobs, verifiers, the S3 and /_coffer/ surfaces — and hands them to the HTTP
// edge to serve. Nothing else constructs stores or starts jobs.
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { StartupError } from './config.js';
import { Engine } from './engine/engine.js';
import { createEngineCache } from './engine/cache.js';
import type { CreatedUser } from './engine/users.js';
import { Md5Pool } from './checksums/index.js';
import { FsBlobStore } from './blobs/fs-blob-store.js';
import { SqliteStore } from './meta/sqlite/sqlite-store.js';
import type { SqliteStoreOptions } from './meta/sqlite/sqlite-store.js';
import type { MetadataStore } from './meta/store.js';
import { SigV4Verifier } from './auth/sigv4.js';
import type { CredentialLookup } from './auth/sigv4.js';
import { SigV2Verifier, withSigV2 } from './auth/sigv2.js';
import { checkS3Routes, dispatchS3 } from './s3/dispatch.js';
import { cofferSurface } from './admin/admin.js';
import { CONSOLE_PREFIX, ConsoleFiles, answerConsole, consoleRedirect } from './console/serve.js';
import { RateLimiter } from './http/rate-limit.js';
import { serve } from './http/server.js';
import type { Listeners } from './http/server.js';
import { startUploadExpiry } from './jobs/expire-uploads.js';
import { BLOB_GC_MIN_AGE_MS, startBlobCollection } from './jobs/collect-blobs.js';
import { startArchiveJobs } from './jobs/archive.js';
import { startLifecycle } from './jobs/lifecycle.js';
import { CofferMetrics } from './admin/metrics.js';
import { createLogger } from './logging.js';
import { LocalKeyring } from './crypto/keyring.js';

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

/** What a test may set that no operator does. */
export interface StartOptions {
  /** Milliseconds for the rate limiter (default Date.now), so tests move time instead of sleeping. */
  clock?: () => number;
  /** A hook awaited before each WAL sync of the metadata store, to hold a commit between COMMIT and its sync or fail its sync. */
  beforeWalSync?: SqliteStoreOptions['beforeWalSync'];
}

export async function startCoffer(config: Config, log: Logger = createLogger(config), options: StartOptions = {}): Promise<CofferServer> {
  checkS3Routes();
  await mkdir(config.dataDir, { recursive: true }).catch((err: Error) => {
    throw new StartupError(`cannot use the data directory ${config.dataDir}: ${err.message}`);
  });
  // The database first: a data dir another Coffer serves stops the start-up before anything
  // else is touched.
  const metrics = new CofferMetrics({ bucketLabels: config.metricsBucketLabels });
  const meta: MetadataStore = SqliteStore.open(config.dataDir, undefined, { onTransaction: (s) => metrics.transaction(s), beforeWalSync: options.beforeWalSync });
  const blobs = new FsBlobStore(config.dataDir, { minFreeBytes: config.minFreeBytes, onSync: (s) => metrics.blobSync(s) });
  const { othersAlive } = await blobs.init();
  // The archive volume: the same kind of store, on its own directory (often another disk).
  const archive = new FsBlobStore(config.archiveDir, { minFreeBytes: config.minFreeBytes });
  await archive.init().catch(async (err: Error) => {
    await meta.close();
    throw new StartupError(`cannot use the archive directory ${config.archiveDir}: ${err.message}`);
  });
  // SSE keys: COFFER_MASTER_KEY / COFFER_KMS_KEYS and the key file in the data dir.
  const keyring = await LocalKeyring.open({ dataDir: config.dataDir, masterKeys: config.masterKeys, kmsKeys: config.kmsKeys }).catch(async (err: Error) => {
    await meta.close();
    throw new StartupError(`cannot read or make the SSE key file in ${config.dataDir}: ${err.message}`);
  });
  const engine = new Engine({
    keys: { master: keyring, kms: keyring },
    meta,
    blobs,
    archive,
    tiering: { dayMs: config.lifecycleDaySeconds * 1000, restoreDelaysMs: config.restoreDelaysMs },
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
  const observeJob = (job: string, ok: boolean, seconds: number): void => metrics.jobRun(job, ok, seconds);
  const collection = startBlobCollection(engine, log, observeJob);
  const expiry = startUploadExpiry(engine, config.uploadMaxAgeMs, log, observeJob);
  const archiving = startArchiveJobs(engine, log);
  const lifecycle = startLifecycle(engine, log);

  const lookup: CredentialLookup = async (accessKeyId) => {
    const found = await engine.lookupAccessKey(accessKeyId);
    return found && { accessKeyId, secretAccessKey: found.key.secretAccessKey, userId: found.user.id };
  };
  // The admin API stays SigV4-only; COFFER_SIGV2 opens the S3 API to legacy clients.
  const verifier = new SigV4Verifier(lookup);
  const s3Verifier = config.sigV2 ? withSigV2(verifier, new SigV2Verifier(lookup)) : verifier;
  const limiter = new RateLimiter(config.rateLimitPerSecond, options.clock);

  let listeners: Listeners | undefined;
  const close = async (graceMs = 0): Promise<void> => {
    await lifecycle.stop();
    await archiving.stop();
    await expiry.stop();
    await collection.stop();
    await listeners?.close(graceMs);
    await meta.close();
    await blobs.close();
    await archive.close();
    await engine.deps.md5.close();
  };
  const coffer = cofferSurface(verifier, metrics, { public: config.metricsPublic, token: config.metricsToken });
  const consoleFiles = new ConsoleFiles();
  try {
    listeners = await serve(
      config,
      log,
      engine,
      {
        s3: async (ctx) => consoleRedirect(ctx) ?? dispatchS3(ctx, s3Verifier, limiter),
        coffer: async (ctx, rawPath) => (rawPath === '/_coffer/console' || rawPath.startsWith(CONSOLE_PREFIX) ? answerConsole(ctx, consoleFiles, rawPath) : coffer(ctx, rawPath)),
      },
      metrics,
    );
  } catch (err) {
    // Nothing of a server that cannot listen keeps running (or keeps the process alive).
    await close();
    throw err;
  }
  const served = listeners;
  metrics.setSources({ inflight: () => served.inflight, usage: () => engine.listBucketUsage() });
  return {
    engine,
    endpoint: served.endpoint,
    tlsEndpoint: served.tlsEndpoint,
    generatedRoot,
    close,
    get inflight() {
      return served.inflight;
    },
  };
}
