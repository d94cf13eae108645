// One typed, validated configuration from the environment (COFFER_*), overridden by flags.
// The variable names are an operator contract (DESIGN.md): keep them.
import { resolve } from 'node:path';

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
}

export const GiB = 1024 * 1024 * 1024;

/** pino's levels: any other name makes pino throw when the server starts. */
const LOG_LEVELS: ReadonlySet<string> = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** The longest delay a Node.js timer holds: 2^31 - 1 ms, about 24.8 days. */
const MAX_TIMER_MS = 2 ** 31 - 1;

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

function parseOnOff(value: string | undefined, what: string, fallback: boolean): boolean {
  if (value === undefined || value.trim() === '') return fallback;
  if (value.trim() === 'on') return true;
  if (value.trim() === 'off') return false;
  throw new ConfigError(`${what} must be on or off, got '${value}'`);
}

function parseRegionEndpoints(value: string | undefined, region: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
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
  const timeoutText = get('COFFER_REQUEST_TIMEOUT') || '20';
  const requestTimeoutMs = Math.round(Number(timeoutText) * 1000);
  // A timer of 0 ms, or of more than a Node.js timer holds (it then fires after 1 ms), would time
  // every upload out at once.
  if (!(requestTimeoutMs >= 1 && requestTimeoutMs <= MAX_TIMER_MS)) {
    throw new ConfigError(`COFFER_REQUEST_TIMEOUT must be a number of seconds from 0.001 to ${Math.floor(MAX_TIMER_MS / 1000)}, got '${timeoutText}'`);
  }
  const logLevel = get('COFFER_LOG_LEVEL') || 'info';
  if (!LOG_LEVELS.has(logLevel)) throw new ConfigError(`COFFER_LOG_LEVEL must be one of ${[...LOG_LEVELS].join(', ')}, got '${logLevel}'`);
  const logFormat = get('COFFER_LOG_FORMAT') || 'auto';
  if (logFormat !== 'auto' && logFormat !== 'json' && logFormat !== 'pretty') throw new ConfigError(`COFFER_LOG_FORMAT must be auto, json or pretty, got '${logFormat}'`);
  const metricsToken = get('COFFER_METRICS_TOKEN') || undefined;
  // A short token is guessed; Prometheus sends whatever length it is given.
  if (metricsToken !== undefined && metricsToken.length < 16) throw new ConfigError('COFFER_METRICS_TOKEN must be at least 16 characters');
  return {
    address: parseHostPort(get('COFFER_ADDRESS') || '127.0.0.1:9000', 'COFFER_ADDRESS'),
    tls,
    dataDir: resolve(get('COFFER_DATA_DIR') || './data'),
    databaseUrl,
    rootAccessKey: get('COFFER_ROOT_ACCESS_KEY') || undefined,
    rootSecretKey: get('COFFER_ROOT_SECRET_KEY') || undefined,
    region,
    domains: (get('COFFER_DOMAINS') ?? '')
      .split(',')
      .map((d) => d.trim().toLowerCase())
      .filter(Boolean),
    maxObjectSizeBytes: parseInteger(get('COFFER_MAX_OBJECT_SIZE'), 'COFFER_MAX_OBJECT_SIZE', 5 * GiB, 1),
    maxBuckets: parseInteger(get('COFFER_MAX_BUCKETS'), 'COFFER_MAX_BUCKETS', 1000, 1),
    regionEndpoints: parseRegionEndpoints(get('COFFER_REGION_ENDPOINTS'), region),
    rateLimitPerSecond: parseInteger(get('COFFER_RATE_LIMIT'), 'COFFER_RATE_LIMIT', 0),
    maxInflight: parseInteger(get('COFFER_MAX_INFLIGHT'), 'COFFER_MAX_INFLIGHT', 0),
    requestTimeoutMs,
    inlineMaxBytes: parseInteger(get('COFFER_INLINE_MAX'), 'COFFER_INLINE_MAX', 64 * 1024),
    uploadMaxAgeMs: parseInteger(get('COFFER_UPLOAD_MAX_AGE'), 'COFFER_UPLOAD_MAX_AGE', 7 * 24 * 3600, 1) * 1000,
    minFreeBytes: parseInteger(get('COFFER_MIN_FREE_SPACE'), 'COFFER_MIN_FREE_SPACE', 64 * 1024 * 1024),
    sigV2: parseOnOff(get('COFFER_SIGV2'), 'COFFER_SIGV2', false),
    logLevel,
    logFormat,
    metricsPublic: parseOnOff(get('COFFER_METRICS_PUBLIC'), 'COFFER_METRICS_PUBLIC', false),
    metricsToken,
    metricsBucketLabels: parseOnOff(get('COFFER_METRICS_BUCKET_LABELS'), 'COFFER_METRICS_BUCKET_LABELS', false),
  };
}
