// loadConfig: the COFFER_* variables and their flags (an operator contract, DESIGN.md), their
// defaults, and the refusal of a bad value with a ConfigError that names the variable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ConfigError, GiB, loadConfig } from './config.js';
import type { Config, Env } from './config.js';

test('with nothing set, every setting has its documented default', () => {
  assert.deepEqual(loadConfig({}), {
    address: { host: '127.0.0.1', port: 9000 },
    tls: undefined,
    dataDir: resolve('./data'),
    databaseUrl: undefined,
    rootAccessKey: undefined,
    rootSecretKey: undefined,
    region: 'us-east-1',
    domains: [],
    maxObjectSizeBytes: 5 * GiB,
    maxBuckets: 1000,
    regionEndpoints: new Map([['us-east-1', '']]),
    rateLimitPerSecond: 0,
    maxInflight: 0,
    requestTimeoutMs: 20_000,
    headersTimeoutMs: 20_000,
    maxConnections: 16_384,
    inlineMaxBytes: 64 * 1024,
    uploadMaxAgeMs: 7 * 24 * 3600 * 1000,
    minFreeBytes: 64 * 1024 * 1024,
    sigV2: false,
    logLevel: 'info',
    logFormat: 'auto',
    metricsPublic: false,
    metricsToken: undefined,
    metricsBucketLabels: false,
    masterKeys: undefined,
    kmsKeys: new Map(),
  } satisfies Config);
});

test('an empty variable counts as unset', () => {
  const empty: Env = {};
  for (const name of [
    'COFFER_ADDRESS',
    'COFFER_DATA_DIR',
    'COFFER_REGION',
    'COFFER_DOMAINS',
    'COFFER_MAX_OBJECT_SIZE',
    'COFFER_MAX_BUCKETS',
    'COFFER_RATE_LIMIT',
    'COFFER_MAX_INFLIGHT',
    'COFFER_INLINE_MAX',
    'COFFER_UPLOAD_MAX_AGE',
    'COFFER_MIN_FREE_SPACE',
    'COFFER_LOG_LEVEL',
    'COFFER_DATABASE_URL',
    'COFFER_TLS_ADDRESS',
    'COFFER_ROOT_ACCESS_KEY',
    'COFFER_ROOT_SECRET_KEY',
    'COFFER_REGION_ENDPOINTS',
    'COFFER_REQUEST_TIMEOUT',
    'COFFER_LOG_FORMAT',
    'COFFER_METRICS_PUBLIC',
    'COFFER_METRICS_TOKEN',
    'COFFER_METRICS_BUCKET_LABELS',
    'COFFER_HEADERS_TIMEOUT',
    'COFFER_MAX_CONNECTIONS',
  ])
    empty[name] = '';
  assert.deepEqual(loadConfig(empty), loadConfig({}));
});

/** Each variable, the flag that overrides it, a value and what it sets, and another valid value. */
const SETTINGS: Array<{ variable: string; flag: string; value: string; other: string; read: (c: Config) => unknown; expected: unknown }> = [
  { variable: 'COFFER_ADDRESS', flag: 'address', value: '0.0.0.0:9100', other: '127.0.0.1:9001', read: (c) => c.address, expected: { host: '0.0.0.0', port: 9100 } },
  { variable: 'COFFER_DATA_DIR', flag: 'data-dir', value: '/srv/coffer', other: '/tmp/other', read: (c) => c.dataDir, expected: '/srv/coffer' },
  { variable: 'COFFER_ROOT_ACCESS_KEY', flag: 'root-access-key', value: 'ROOTKEY', other: 'OTHERKEY', read: (c) => c.rootAccessKey, expected: 'ROOTKEY' },
  { variable: 'COFFER_ROOT_SECRET_KEY', flag: 'root-secret-key', value: 'root-secret', other: 'other-secret', read: (c) => c.rootSecretKey, expected: 'root-secret' },
  { variable: 'COFFER_REGION', flag: 'region', value: 'eu-west-3', other: 'us-west-2', read: (c) => c.region, expected: 'eu-west-3' },
  {
    variable: 'COFFER_DOMAINS',
    flag: 'domains',
    value: 's3.example.com, S3.Local ,',
    other: 'other.example.com',
    read: (c) => c.domains,
    expected: ['s3.example.com', 's3.local'],
  },
  { variable: 'COFFER_MAX_OBJECT_SIZE', flag: 'max-object-size', value: '1048576', other: '1', read: (c) => c.maxObjectSizeBytes, expected: 1048576 },
  { variable: 'COFFER_MAX_BUCKETS', flag: 'max-buckets', value: '5', other: '7', read: (c) => c.maxBuckets, expected: 5 },
  { variable: 'COFFER_RATE_LIMIT', flag: 'rate-limit', value: '250', other: '1', read: (c) => c.rateLimitPerSecond, expected: 250 },
  { variable: 'COFFER_MAX_INFLIGHT', flag: 'max-inflight', value: '64', other: '1', read: (c) => c.maxInflight, expected: 64 },
  { variable: 'COFFER_REQUEST_TIMEOUT', flag: 'request-timeout', value: '2.5', other: '60', read: (c) => c.requestTimeoutMs, expected: 2500 },
  { variable: 'COFFER_HEADERS_TIMEOUT', flag: 'headers-timeout', value: '0.5', other: '30', read: (c) => c.headersTimeoutMs, expected: 500 },
  { variable: 'COFFER_MAX_CONNECTIONS', flag: 'max-connections', value: '20000', other: '0', read: (c) => c.maxConnections, expected: 20000 },
  { variable: 'COFFER_INLINE_MAX', flag: 'inline-max', value: '0', other: '1024', read: (c) => c.inlineMaxBytes, expected: 0 },
  { variable: 'COFFER_UPLOAD_MAX_AGE', flag: 'upload-max-age', value: '3600', other: '60', read: (c) => c.uploadMaxAgeMs, expected: 3_600_000 },
  { variable: 'COFFER_MIN_FREE_SPACE', flag: 'min-free-space', value: '0', other: '1', read: (c) => c.minFreeBytes, expected: 0 },
  { variable: 'COFFER_LOG_LEVEL', flag: 'log-level', value: 'debug', other: 'warn', read: (c) => c.logLevel, expected: 'debug' },
  { variable: 'COFFER_LOG_FORMAT', flag: 'log-format', value: 'pretty', other: 'json', read: (c) => c.logFormat, expected: 'pretty' },
  { variable: 'COFFER_METRICS_PUBLIC', flag: 'metrics-public', value: 'on', other: 'off', read: (c) => c.metricsPublic, expected: true },
  {
    variable: 'COFFER_METRICS_TOKEN',
    flag: 'metrics-token',
    value: 'a-long-metrics-token',
    other: 'another-long-metrics-token',
    read: (c) => c.metricsToken,
    expected: 'a-long-metrics-token',
  },
  { variable: 'COFFER_METRICS_BUCKET_LABELS', flag: 'metrics-bucket-labels', value: 'on', other: 'off', read: (c) => c.metricsBucketLabels, expected: true },
  {
    variable: 'COFFER_REGION_ENDPOINTS',
    flag: 'region-endpoints',
    value: 'eu-west-3=https://paris.example.com/, us-west-2=http://10.0.0.2:9000',
    other: 'ap-south-1=https://mumbai.example.com',
    read: (c) => c.regionEndpoints,
    expected: new Map([
      ['eu-west-3', 'https://paris.example.com'],
      ['us-west-2', 'http://10.0.0.2:9000'],
      ['us-east-1', ''],
    ]),
  },
];

test('each variable sets its setting', () => {
  for (const s of SETTINGS) assert.deepEqual(s.read(loadConfig({ [s.variable]: s.value })), s.expected, s.variable);
});

test('each flag sets the same setting as its variable, and overrides the variable', () => {
  for (const s of SETTINGS) {
    assert.deepEqual(s.read(loadConfig({}, { [s.flag]: s.value })), s.expected, `--${s.flag}`);
    // The variable says something else valid; the flag wins.
    const other = loadConfig({ [s.variable]: s.other });
    assert.notDeepEqual(s.read(other), s.expected, s.variable);
    assert.deepEqual(s.read(loadConfig({ [s.variable]: s.other }, { [s.flag]: s.value })), s.expected, `--${s.flag} over ${s.variable}`);
  }
});

test('the region is always one of the known regions, with no endpoint of its own', () => {
  const c = loadConfig({ COFFER_REGION: 'eu-west-3', COFFER_REGION_ENDPOINTS: 'us-east-1=https://virginia.example.com' });
  assert.deepEqual(
    c.regionEndpoints,
    new Map([
      ['us-east-1', 'https://virginia.example.com'],
      ['eu-west-3', ''],
    ]),
  );
});

test('a listen address takes IPv6 in brackets, and an empty host listens on every interface', () => {
  assert.deepEqual(loadConfig({ COFFER_ADDRESS: '[::1]:9000' }).address, { host: '::1', port: 9000 });
  assert.deepEqual(loadConfig({ COFFER_ADDRESS: ':9000' }).address, { host: '0.0.0.0', port: 9000 });
  assert.deepEqual(loadConfig({ COFFER_ADDRESS: 'localhost:0' }).address, { host: 'localhost', port: 0 });
});

test('TLS listens when COFFER_TLS_ADDRESS is set with both its PEM files', () => {
  assert.deepEqual(loadConfig({ COFFER_TLS_ADDRESS: '0.0.0.0:9443', COFFER_TLS_CERT: '/etc/coffer/cert.pem', COFFER_TLS_KEY: '/etc/coffer/key.pem' }).tls, {
    host: '0.0.0.0',
    port: 9443,
    certFile: '/etc/coffer/cert.pem',
    keyFile: '/etc/coffer/key.pem',
  });
  assert.deepEqual(loadConfig({}, { 'tls-address': '127.0.0.1:9443', 'tls-cert': 'c.pem', 'tls-key': 'k.pem' }).tls, {
    host: '127.0.0.1',
    port: 9443,
    certFile: 'c.pem',
    keyFile: 'k.pem',
  });
  // The files alone start no TLS listener.
  assert.equal(loadConfig({ COFFER_TLS_CERT: 'c.pem', COFFER_TLS_KEY: 'k.pem' }).tls, undefined);
});

/** Assert that loading fails with a ConfigError whose message names `variable`. */
function refuses(env: Env, variable: string, flags: Record<string, string | undefined> = {}): void {
  assert.throws(
    () => loadConfig(env, flags),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `${JSON.stringify(env)}: ${String(err)}`);
      assert.ok(err.message.includes(variable), `'${err.message}' names ${variable}`);
      return true;
    },
  );
}

test('an invalid value is refused with a ConfigError naming its variable', () => {
  const invalid: Array<[string, string]> = [
    ['COFFER_ADDRESS', '127.0.0.1'],
    ['COFFER_ADDRESS', '127.0.0.1:http'],
    ['COFFER_ADDRESS', '127.0.0.1:65536'],
    ['COFFER_ADDRESS', '[::1:9000'],
    ['COFFER_MAX_OBJECT_SIZE', '0'],
    ['COFFER_MAX_OBJECT_SIZE', '5GB'],
    ['COFFER_MAX_OBJECT_SIZE', '1.5'],
    ['COFFER_MAX_BUCKETS', '0'],
    ['COFFER_MAX_BUCKETS', '-1'],
    ['COFFER_MAX_BUCKETS', 'many'],
    ['COFFER_RATE_LIMIT', '-5'],
    ['COFFER_RATE_LIMIT', 'fast'],
    ['COFFER_MAX_INFLIGHT', '2.5'],
    ['COFFER_REQUEST_TIMEOUT', '0'],
    ['COFFER_REQUEST_TIMEOUT', '-1'],
    ['COFFER_REQUEST_TIMEOUT', 'soon'],
    ['COFFER_HEADERS_TIMEOUT', '0'],
    ['COFFER_HEADERS_TIMEOUT', 'never'],
    ['COFFER_MAX_CONNECTIONS', '-1'],
    ['COFFER_MAX_CONNECTIONS', '1.5'],
    ['COFFER_MAX_CONNECTIONS', 'lots'],
    ['COFFER_INLINE_MAX', '-1'],
    ['COFFER_UPLOAD_MAX_AGE', '0'],
    ['COFFER_MIN_FREE_SPACE', '64MiB'],
    ['COFFER_MAX_OBJECT_SIZE', '99999999999999999999'],
    ['COFFER_REGION_ENDPOINTS', 'eu-west-3'],
    ['COFFER_REGION_ENDPOINTS', '=https://x.example.com'],
    ['COFFER_REGION_ENDPOINTS', 'eu-west-3=not a url'],
  ];
  for (const [variable, value] of invalid) refuses({ [variable]: value }, variable);
});

test('a request timeout longer than a timer can hold, or shorter than a millisecond, is refused', () => {
  // Node.js fires a timer set beyond 2^31 - 1 ms after 1 ms: every upload would time out at once.
  for (const value of ['Infinity', '2147484', '1e10', '0.0001']) refuses({ COFFER_REQUEST_TIMEOUT: value }, 'COFFER_REQUEST_TIMEOUT');
  assert.equal(loadConfig({ COFFER_REQUEST_TIMEOUT: '2147483' }).requestTimeoutMs, 2_147_483_000);
  assert.equal(loadConfig({ COFFER_REQUEST_TIMEOUT: '0.001' }).requestTimeoutMs, 1);
});

test('a headers timeout longer than a timer can hold, or shorter than a millisecond, is refused', () => {
  for (const value of ['Infinity', '2147484', '0.0001', '-3']) refuses({ COFFER_HEADERS_TIMEOUT: value }, 'COFFER_HEADERS_TIMEOUT');
  assert.equal(loadConfig({ COFFER_HEADERS_TIMEOUT: '0.001' }).headersTimeoutMs, 1);
});

test('COFFER_MAX_CONNECTIONS=0 is taken (no limit), not refused', () => {
  assert.equal(loadConfig({ COFFER_MAX_CONNECTIONS: '0' }).maxConnections, 0);
});

test('a log level pino does not know is refused, not left to fail the start-up with a stack trace', () => {
  for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) assert.equal(loadConfig({ COFFER_LOG_LEVEL: level }).logLevel, level);
  for (const level of ['loud', 'verbose', 'warning']) refuses({ COFFER_LOG_LEVEL: level }, 'COFFER_LOG_LEVEL');
});

test('an invalid flag value is refused the same way', () => {
  refuses({}, 'COFFER_MAX_BUCKETS', { 'max-buckets': 'lots' });
  refuses({}, 'COFFER_ADDRESS', { address: 'nowhere' });
});

test('COFFER_TLS_ADDRESS without both COFFER_TLS_CERT and COFFER_TLS_KEY is refused', () => {
  refuses({ COFFER_TLS_ADDRESS: '0.0.0.0:9443' }, 'COFFER_TLS_CERT');
  refuses({ COFFER_TLS_ADDRESS: '0.0.0.0:9443', COFFER_TLS_CERT: 'c.pem' }, 'COFFER_TLS_KEY');
  refuses({ COFFER_TLS_ADDRESS: '0.0.0.0:9443', COFFER_TLS_KEY: 'k.pem' }, 'COFFER_TLS_CERT');
  refuses({ COFFER_TLS_ADDRESS: 'nowhere', COFFER_TLS_CERT: 'c.pem', COFFER_TLS_KEY: 'k.pem' }, 'COFFER_TLS_ADDRESS');
});

test('COFFER_DATABASE_URL is refused: this Coffer has only the embedded SQLite store', () => {
  refuses({ COFFER_DATABASE_URL: 'postgres://coffer@db/coffer' }, 'COFFER_DATABASE_URL');
  refuses({}, 'COFFER_DATABASE_URL', { 'database-url': 'postgres://coffer@db/coffer' });
});

test('COFFER_SIGV2 is off by default, on or off when set, and a flag overrides it', () => {
  assert.equal(loadConfig({}).sigV2, false);
  assert.equal(loadConfig({ COFFER_SIGV2: 'on' }).sigV2, true);
  assert.equal(loadConfig({ COFFER_SIGV2: 'off' }).sigV2, false);
  assert.equal(loadConfig({ COFFER_SIGV2: '' }).sigV2, false);
  assert.equal(loadConfig({ COFFER_SIGV2: 'off' }, { sigv2: 'on' }).sigV2, true);
  assert.equal(loadConfig({ COFFER_SIGV2: 'on' }, { sigv2: 'off' }).sigV2, false);
});

test('a COFFER_SIGV2 other than on or off stops the start-up with a ConfigError naming it', () => {
  for (const value of ['yes', 'true', '1', 'ON ', 'v2']) {
    assert.throws(
      () => loadConfig({ COFFER_SIGV2: value }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.message, `COFFER_SIGV2 must be on or off, got '${value}'`);
        return true;
      },
    );
  }
});

test('a COFFER_LOG_FORMAT other than auto, json or pretty, and a metrics token under 16 characters, are refused', () => {
  for (const value of ['text', 'JSON', 'tty']) refuses({ COFFER_LOG_FORMAT: value }, 'COFFER_LOG_FORMAT');
  refuses({ COFFER_METRICS_TOKEN: 'short' }, 'COFFER_METRICS_TOKEN');
  for (const value of ['yes', '1']) {
    refuses({ COFFER_METRICS_PUBLIC: value }, 'COFFER_METRICS_PUBLIC');
    refuses({ COFFER_METRICS_BUCKET_LABELS: value }, 'COFFER_METRICS_BUCKET_LABELS');
  }
});

test('COFFER_MASTER_KEY takes 256-bit keys in base64 or hex, the current one first; COFFER_KMS_KEYS takes name:key pairs', () => {
  const a = Buffer.alloc(32, 1);
  const b = Buffer.alloc(32, 2);
  const c = loadConfig({ COFFER_MASTER_KEY: `${a.toString('base64')},${b.toString('hex')}`, COFFER_KMS_KEYS: `testkey-1:${a.toString('hex')}, alias/x:${b.toString('base64')}` });
  assert.deepEqual(c.masterKeys, [a, b]);
  assert.deepEqual(
    [...c.kmsKeys.entries()],
    [
      ['testkey-1', a],
      ['alias/x', b],
    ],
  );
  assert.equal(loadConfig({}).masterKeys, undefined);
  assert.equal(loadConfig({}).kmsKeys.size, 0);
});

test('a master or KMS key that is not 256 bits, or a KMS entry without a name, is refused with a ConfigError naming its variable', () => {
  refuses({ COFFER_MASTER_KEY: Buffer.alloc(16).toString('base64') }, 'COFFER_MASTER_KEY');
  refuses({ COFFER_MASTER_KEY: 'not a key' }, 'COFFER_MASTER_KEY');
  refuses({ COFFER_KMS_KEYS: Buffer.alloc(32).toString('hex') }, 'COFFER_KMS_KEYS');
  refuses({ COFFER_KMS_KEYS: `k:${Buffer.alloc(31).toString('hex')}` }, 'COFFER_KMS_KEYS');
});
