// One typed, validated configuration from the environment (COFFER_*), overridden by flags.
// The variable names are an operator contract (DESIGN.md): keep them.
import { join, resolve } from 'node:path';

export interface Config {
  address: { host: string; port: number };
  tls?: { host: string; port: number; certFile: string; keyFile: string };
  dataDir: string;
  databaseUrl?: string;
  rootAccessKey?: string;
  rootSecretKey?: string;
  region: string;
  domains: string[];
  maxObjectSizeBytes: number;
  maxBuckets: number;
  /** region → endpoint URL, always including this gateway's region. */
  regionEndpoints: Map<string, string>;
  rateLimitPerSecond: number;
  maxInflight: number;
  requestTimeoutMs: number;
  /** Time a client has to send a request's headers, from its first byte (slowloris). */
  headersTimeoutMs: number;
  /** Open connections per listener; beyond it new connections are closed at once (0 = no limit). */
  maxConnections: number;
  inlineMaxBytes: number;
  /** Multipart uploads older than this are aborted by a background job. */
  uploadMaxAgeMs: number;
  /** Free space on the data volume that object writes leave alone, so deletes can still commit. */
  minFreeBytes: number;
  /** Also accept AWS Signature Version 2 (header and query) from legacy clients. */
  sigV2: boolean;
  logLevel: string;
  /** json: one JSON object per line; pretty: one readable line per request; auto: pretty on a terminal. */
  logFormat: 'auto' | 'json' | 'pretty';
  /** /_coffer/metrics readable without credentials. */
  metricsPublic: boolean;
  /** /_coffer/metrics readable with `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Per-bucket usage and quota series, labelled with the bucket's name. */
  metricsBucketLabels: boolean;
  /** The archive volume: where bytes of the archive storage classes (GLACIER, DEEP_ARCHIVE) go, compressed. */
  archiveDir: string;
  /** The length of a lifecycle day (and of a restore's Days) in seconds; tests shorten it. */
  lifecycleDaySeconds: number;
  /** How long a RestoreObject takes, per retrieval tier, in ms. */
  restoreDelaysMs: RestoreDelays;
  /** COFFER_MASTER_KEY: SSE-S3 master keys, the current one first (else a key file in the data dir). */
  masterKeys?: Buffer[];
  /** COFFER_KMS_KEYS: named local SSE-KMS keys. */
  kmsKeys: Map<string, Buffer>;
}

/** The retrieval tiers of RestoreObject. https://docs.aws.amazon.com/AmazonS3/latest/userguide/restoring-objects-retrieval-options.html */
export type RestoreTier = 'Expedited' | 'Standard' | 'Bulk';
export type RestoreDelays = Record<RestoreTier, number>;

/**
 * Defaults within the ranges AWS gives for S3 Glacier Flexible Retrieval: Expedited 1-5 minutes,
 * Standard 3-5 hours, Bulk 5-12 hours.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/restoring-objects-retrieval-options.html
 */
const DEFAULT_RESTORE_SECONDS: RestoreDelays = { Expedited: 300, Standard: 4 * 3600, Bulk: 12 * 3600 };

/** The non-empty, trimmed items of a comma-separated setting (none when unset). */
function listItems(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `Expedited=1,Standard=5,Bulk=10` (seconds; tiers left out keep their default). */
function parseRestoreDelays(value: string | undefined): RestoreDelays {
  const out = { ...DEFAULT_RESTORE_SECONDS };
  for (const item of listItems(value)) {
    const m = /^(Expedited|Standard|Bulk)=(\d+(?:\.\d+)?)$/.exec(item);
    if (!m) throw new ConfigError(`COFFER_RESTORE_SECONDS entries are tier=seconds with tier Expedited, Standard or Bulk, got '${item}'`);
    out[m[1] as RestoreTier] = Number(m[2]);
  }
  return { Expedited: Math.round(out.Expedited * 1000), Standard: Math.round(out.Standard * 1000), Bulk: Math.round(out.Bulk * 1000) };
}

export const GiB = 1024 * 1024 * 1024;

/** pino's levels: any other name makes pino throw when the server starts. */
const LOG_LEVELS: ReadonlySet<string> = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** The longest delay a Node.js timer holds: 2^31 - 1 ms, about 24.8 days. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Open connections per listener: room for 10,000 idle keep-alive clients and the busy ones, well
 * inside the open-file limit Node.js raises itself to on most systems (the operator raises both
 * together for more).
 */
export const DEFAULT_MAX_CONNECTIONS = 16_384;

export class ConfigError extends Error {}

/** A condition outside the configuration that stops the server from starting (a data dir in use). */
export class StartupError extends Error {}

export function parseHostPort(value: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value.trim());
  if (!m) throw new ConfigError(`${what} must be host:port, got '${value}'`);
  const port = Number(m[3]);
  if (port > 65535) throw new ConfigError(`${what}: port out of range in '${value}'`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function parseInteger(value: string | undefined, what: string, fallback: number, min = 0): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(`${what} must be an integer ≥ ${min}, got '${value}'`);
  return n;
}

/** Seconds (fractions allowed) as milliseconds for a timer. */
function parseSeconds(value: string | undefined, what: string, fallbackSeconds: number): number {
  const text = value === undefined || value.trim() === '' ? String(fallbackSeconds) : value;
  const ms = Math.round(Number(text) * 1000);
  // A timer of 0 ms, or of more than a Node.js timer holds (it then fires after 1 ms), would time
  // every request out at once.
  if (!(ms >= 1 && ms <= MAX_TIMER_MS)) {
    throw new ConfigError(`${what} must be a number of seconds from 0.001 to ${Math.floor(MAX_TIMER_MS / 1000)}, got '${text}'`);
  }
  return ms;
}

function parseOnOff(value: string | undefined, what: string, fallback: boolean): boolean {
  if (value === undefined || value.trim() === '') return fallback;
  if (value.trim() === 'on') return true;
  if (value.trim() === 'off') return false;
  throw new ConfigError(`${what} must be on or off, got '${value}'`);
}

function parseRegionEndpoints(value: string | undefined, region: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of listItems(value)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ConfigError(`COFFER_REGION_ENDPOINTS entries are region=url, got '${item}'`);
    const url = item.slice(eq + 1);
    try {
      new URL(url);
    } catch {
      throw new ConfigError(`COFFER_REGION_ENDPOINTS: '${url}' is not a URL`);
    }
    out.set(item.slice(0, eq), url.replace(/\/+$/, ''));
  }
  if (!out.has(region)) out.set(region, '');
  return out;
}

/** A 256-bit key written as base64 (44 characters) or hex (64). */
function parseKey(text: string, what: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : /^[A-Za-z0-9+/]{43}=$/.test(t) ? Buffer.from(t, 'base64') : undefined;
  if (key?.length !== 32) throw new ConfigError(`${what} must be a 256-bit key in base64 or hex (e.g. openssl rand -base64 32)`);
  return key;
}

/** COFFER_MASTER_KEY: `key[,older-key…]`. */
function parseMasterKeys(value: string | undefined): Buffer[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value.split(',').map((k) => parseKey(k, 'COFFER_MASTER_KEY'));
}

/** COFFER_KMS_KEYS: `name:key,…`. */
function parseKmsKeys(value: string | undefined): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const item of listItems(value)) {
    const colon = item.lastIndexOf(':');
    const name = item.slice(0, colon);
    if (colon <= 0 || !/^[A-Za-z0-9][A-Za-z0-9/_.:-]{0,255}$/.test(name)) throw new ConfigError(`COFFER_KMS_KEYS entries are name:key, got '${item.slice(0, 40)}'`);
    out.set(name, parseKey(item.slice(colon + 1), `COFFER_KMS_KEYS key ${name}`));
  }
  return out;
}

export type Env = Record<string, string | undefined>;

/** Flags use the variable's name without the prefix, lower-case with dashes: --data-dir. */
export function loadConfig(env: Env, flags: Record<string, string | undefined> = {}): Config {
  const get = (name: string): string | undefined => {
    const flag =
      flags[
        name
          .replace(/^COFFER_/, '')
          .toLowerCase()
          .replaceAll('_', '-')
      ];
    return flag ?? env[name];
  };
  const region = get('COFFER_REGION') || 'us-east-1';
  const tlsAddress = get('COFFER_TLS_ADDRESS');
  let tls: Config['tls'];
  if (tlsAddress) {
    const certFile = get('COFFER_TLS_CERT');
    const keyFile = get('COFFER_TLS_KEY');
    if (!certFile || !keyFile) throw new ConfigError('COFFER_TLS_ADDRESS needs COFFER_TLS_CERT and COFFER_TLS_KEY');
    tls = { ...parseHostPort(tlsAddress, 'COFFER_TLS_ADDRESS'), certFile, keyFile };
  }
  // Only the embedded SQLite store exists yet. A user who asks for PostgreSQL must not get a
  // private SQLite file in the data dir while believing the gateways share one database.
  const databaseUrl = get('COFFER_DATABASE_URL') || undefined;
  if (databaseUrl !== undefined) {
    throw new ConfigError('COFFER_DATABASE_URL is set, but this Coffer has only the embedded SQLite metadata store (in the data directory); unset it to run embedded');
  }
  const requestTimeoutMs = parseSeconds(get('COFFER_REQUEST_TIMEOUT'), 'COFFER_REQUEST_TIMEOUT', 20);
  const headersTimeoutMs = parseSeconds(get('COFFER_HEADERS_TIMEOUT'), 'COFFER_HEADERS_TIMEOUT', 20);
  const logLevel = get('COFFER_LOG_LEVEL') || 'info';
  const dataDir = resolve(get('COFFER_DATA_DIR') || './data');
  if (!LOG_LEVELS.has(logLevel)) throw new ConfigError(`COFFER_LOG_LEVEL must be one of ${[...LOG_LEVELS].join(', ')}, got '${logLevel}'`);
  const logFormat = get('COFFER_LOG_FORMAT') || 'auto';
  if (logFormat !== 'auto' && logFormat !== 'json' && logFormat !== 'pretty') throw new ConfigError(`COFFER_LOG_FORMAT must be auto, json or pretty, got '${logFormat}'`);
  const metricsToken = get('COFFER_METRICS_TOKEN') || undefined;
  // A short token is guessed; Prometheus sends whatever length it is given.
  if (metricsToken !== undefined && metricsToken.length < 16) throw new ConfigError('COFFER_METRICS_TOKEN must be at least 16 characters');
  return {
    address: parseHostPort(get('COFFER_ADDRESS') || '127.0.0.1:9000', 'COFFER_ADDRESS'),
    tls,
    dataDir,
    databaseUrl,
    rootAccessKey: get('COFFER_ROOT_ACCESS_KEY') || undefined,
    rootSecretKey: get('COFFER_ROOT_SECRET_KEY') || undefined,
    region,
    domains: listItems(get('COFFER_DOMAINS')).map((d) => d.toLowerCase()),
    maxObjectSizeBytes: parseInteger(get('COFFER_MAX_OBJECT_SIZE'), 'COFFER_MAX_OBJECT_SIZE', 5 * GiB, 1),
    maxBuckets: parseInteger(get('COFFER_MAX_BUCKETS'), 'COFFER_MAX_BUCKETS', 1000, 1),
    regionEndpoints: parseRegionEndpoints(get('COFFER_REGION_ENDPOINTS'), region),
    rateLimitPerSecond: parseInteger(get('COFFER_RATE_LIMIT'), 'COFFER_RATE_LIMIT', 0),
    maxInflight: parseInteger(get('COFFER_MAX_INFLIGHT'), 'COFFER_MAX_INFLIGHT', 0),
    requestTimeoutMs,
    headersTimeoutMs,
    maxConnections: parseInteger(get('COFFER_MAX_CONNECTIONS'), 'COFFER_MAX_CONNECTIONS', DEFAULT_MAX_CONNECTIONS),
    inlineMaxBytes: parseInteger(get('COFFER_INLINE_MAX'), 'COFFER_INLINE_MAX', 64 * 1024),
    uploadMaxAgeMs: parseInteger(get('COFFER_UPLOAD_MAX_AGE'), 'COFFER_UPLOAD_MAX_AGE', 7 * 24 * 3600, 1) * 1000,
    minFreeBytes: parseInteger(get('COFFER_MIN_FREE_SPACE'), 'COFFER_MIN_FREE_SPACE', 64 * 1024 * 1024),
    sigV2: parseOnOff(get('COFFER_SIGV2'), 'COFFER_SIGV2', false),
    logLevel,
    archiveDir: resolve(get('COFFER_ARCHIVE_DIR') || join(dataDir, 'archive')),
    lifecycleDaySeconds: parseInteger(get('COFFER_LIFECYCLE_DAY_SECONDS'), 'COFFER_LIFECYCLE_DAY_SECONDS', 86400, 1),
    restoreDelaysMs: parseRestoreDelays(get('COFFER_RESTORE_SECONDS')),
    logFormat,
    metricsPublic: parseOnOff(get('COFFER_METRICS_PUBLIC'), 'COFFER_METRICS_PUBLIC', false),
    metricsToken,
    metricsBucketLabels: parseOnOff(get('COFFER_METRICS_BUCKET_LABELS'), 'COFFER_METRICS_BUCKET_LABELS', false),
    masterKeys: parseMasterKeys(get('COFFER_MASTER_KEY')),
    kmsKeys: parseKmsKeys(get('COFFER_KMS_KEYS')),
  };
}
