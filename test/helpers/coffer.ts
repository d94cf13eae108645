// Start a real Coffer on a free loopback port in a temp dir, with an SDK client pointed at it;
// fresh buckets, object reads and request headers through that client.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { TestContext } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import type { Env } from '../../src/config.js';
import { startCoffer } from '../../src/app.js';
import type { CofferServer, StartOptions } from '../../src/app.js';
import { ROOT_CREDENTIALS, rawRequest } from './raw.js';

export const ROOT_ACCESS_KEY = ROOT_CREDENTIALS.accessKeyId;
export const ROOT_SECRET_KEY = ROOT_CREDENTIALS.secretAccessKey;

export interface TestCoffer {
  server: CofferServer;
  endpoint: string;
  dataDir: string;
  accessKeyId: string;
  secretAccessKey: string;
  s3: S3Client;
  client(accessKeyId: string, secretAccessKey: string, sessionToken?: string): S3Client;
  close(): Promise<void>;
}

export async function startTestCoffer(env: Env = {}, options: StartOptions = {}): Promise<TestCoffer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'coffer-test-'));
  const config = loadConfig({
    COFFER_ADDRESS: '127.0.0.1:0',
    COFFER_DATA_DIR: dataDir,
    COFFER_ROOT_ACCESS_KEY: ROOT_ACCESS_KEY,
    COFFER_ROOT_SECRET_KEY: ROOT_SECRET_KEY,
    ...env,
  });
  const server = await startCoffer(config, pino({ level: process.env.COFFER_TEST_LOG ?? 'silent' }), options);
  const clients: S3Client[] = [];
  const client = (accessKeyId: string, secretAccessKey: string, sessionToken?: string): S3Client => {
    const c = new S3Client({
      endpoint: server.endpoint,
      region: config.region,
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey, sessionToken },
    });
    clients.push(c);
    return c;
  };
  const s3 = client(ROOT_ACCESS_KEY, ROOT_SECRET_KEY);
  return {
    server,
    endpoint: server.endpoint,
    dataDir,
    accessKeyId: ROOT_ACCESS_KEY,
    secretAccessKey: ROOT_SECRET_KEY,
    s3,
    client,
    async close() {
      for (const c of clients) c.destroy();
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** startTestCoffer for the length of test `t`: closed when the test ends. */
export async function startTestCofferForTest(t: TestContext, env: Env = {}, options: StartOptions = {}): Promise<TestCoffer> {
  const c = await startTestCoffer(env, options);
  t.after(() => c.close());
  return c;
}

/**
 * One Coffer for all the tests of a file: started in a before() hook, closed in an after() hook.
 * The object returned stands for it from the first test on. Not for a file with a top-level
 * before() of its own that uses the Coffer: Node 20 starts top-level before() hooks as they are
 * registered, without waiting for the earlier ones (such a file calls startTestCoffer itself).
 */
export function testCofferForFile(env: Env = {}): TestCoffer {
  let started: TestCoffer | undefined;
  before(async () => {
    started = await startTestCoffer(env);
  });
  after(() => started?.close());
  const current = (): TestCoffer => {
    if (started === undefined) throw new Error('the test Coffer is used before its before() hook has run');
    return started;
  };
  return {
    get server() {
      return current().server;
    },
    get endpoint() {
      return current().endpoint;
    },
    get dataDir() {
      return current().dataDir;
    },
    get accessKeyId() {
      return current().accessKeyId;
    },
    get secretAccessKey() {
      return current().secretAccessKey;
    },
    get s3() {
      return current().s3;
    },
    client: (accessKeyId, secretAccessKey, sessionToken) => current().client(accessKeyId, secretAccessKey, sessionToken),
    close: () => current().close(),
  };
}

let counter = 0;
/** A fresh bucket name per test. */
export function bucketName(prefix = 'b'): string {
  counter++;
  return `${prefix}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A fresh bucket made with the SDK's CreateBucket; returns its name. */
export async function newBucket(s3: S3Client, prefix = 'b'): Promise<string> {
  const bucket = bucketName(prefix);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** A fresh bucket made with a raw signed PUT, which must answer 200; returns its name. */
export async function newBucketRaw(endpoint: string, prefix: string): Promise<string> {
  const bucket = bucketName(prefix);
  const r = await rawRequest(endpoint, { method: 'PUT', path: `/${bucket}` });
  assert.equal(r.status, 200, `CreateBucket ${bucket}: ${r.body}`);
  return bucket;
}

/** The whole body of an SDK GetObject output. */
export async function bodyBytes(out: { Body?: { transformToByteArray(): Promise<Uint8Array> } }): Promise<Buffer> {
  return Buffer.from(await out.Body!.transformToByteArray());
}

/** The object's bytes read with the SDK, or undefined if there is no such key. */
export async function readObject(s3: S3Client, bucket: string, key: string): Promise<Buffer | undefined> {
  try {
    return await bodyBytes(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
  } catch (err) {
    if (err instanceof S3ServiceException && err.name === 'NoSuchKey') return undefined;
    throw err;
  }
}

/** Assert that an SDK call fails with the S3 error `code` (the SDK's exception name). */
export function rejectsNamed(p: Promise<unknown>, code: string): Promise<void> {
  return assert.rejects(p, (err: unknown) => err instanceof S3ServiceException && err.name === code);
}

/** The headers of every request `s3` sends from now on, as they go out, in order. */
export function recordRequestHeaders(s3: S3Client): Array<Record<string, string>> {
  const sent: Array<Record<string, string>> = [];
  s3.middlewareStack.add(
    (next) => async (args) => {
      sent.push({ ...(args.request as { headers: Record<string, string> }).headers });
      return next(args);
    },
    { step: 'deserialize', name: 'recordHeaders' },
  );
  return sent;
}
