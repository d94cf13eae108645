// One Coffer per client file, listening on HTTP and HTTPS (a certificate made at run time), and
// the two files every scenario uploads: a small one and a 40 MB one, generated in a temp dir and
// removed with it.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Env } from '../../../src/config.js';
import { startTestCoffer } from '../../helpers/coffer.js';
import type { TestCoffer } from '../../helpers/coffer.js';
import { writeDeterministicFile } from './files.js';
import type { LocalFile } from './files.js';
import { makeSelfSignedCert, trustInThisProcess } from './tls.js';
import type { TestCertificate } from './tls.js';

export const SMALL_FILE_BYTES = 10_000;
/** Big enough that every client splits it into parts; 40 MB rather than 40 MiB, so the last part is short. */
export const BIG_FILE_BYTES = 40_000_000;

export type Protocol = 'http' | 'https';
export const PROTOCOLS: readonly Protocol[] = ['http', 'https'];

export interface ClientsFixture {
  coffer: TestCoffer;
  cert: TestCertificate;
  small: LocalFile;
  big: LocalFile;
  /** A fresh empty directory for one scenario's own files (downloads, client config). */
  scenarioDir(name: string): Promise<string>;
}

/** Where a client connects for one protocol, and how it trusts the server. */
export interface Target {
  protocol: Protocol;
  endpoint: string;
  host: string;
  port: number;
  /** PEM file of the server's certificate, for the client's CA setting (HTTPS only). */
  caFile?: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** The scenario's own empty directory. */
  dir: string;
}

/** Started in a before() hook, stopped and removed in an after() hook; usable from the first test on. */
export function clientsFixtureForFile(env: Env = {}): ClientsFixture {
  let started: (ClientsFixture & { root: string }) | undefined;
  before(async () => {
    const root = await mkdtemp(join(tmpdir(), 'coffer-clients-'));
    try {
      const cert = await makeSelfSignedCert(root);
      trustInThisProcess(cert);
      const small = await writeDeterministicFile(join(root, 'small.txt'), 'clients-small', SMALL_FILE_BYTES);
      const big = await writeDeterministicFile(join(root, 'big.bin'), 'clients-big', BIG_FILE_BYTES);
      const coffer = await startTestCoffer({
        COFFER_TLS_ADDRESS: '127.0.0.1:0',
        COFFER_TLS_CERT: cert.certFile,
        COFFER_TLS_KEY: cert.keyFile,
        ...env,
      });
      let n = 0;
      const scenarioDir = async (name: string): Promise<string> => {
        const dir = join(root, `${++n}-${name.replace(/[^a-z0-9]+/gi, '-')}`);
        await mkdir(dir);
        return dir;
      };
      started = { root, coffer, cert, small, big, scenarioDir };
    } catch (err) {
      await rm(root, { recursive: true, force: true });
      throw err;
    }
  });
  after(async () => {
    if (started === undefined) return;
    await started.coffer.close();
    await rm(started.root, { recursive: true, force: true });
  });
  const current = (): ClientsFixture => {
    if (started === undefined) throw new Error('the clients fixture is used before its before() hook has run');
    return started;
  };
  return {
    get coffer() {
      return current().coffer;
    },
    get cert() {
      return current().cert;
    },
    get small() {
      return current().small;
    },
    get big() {
      return current().big;
    },
    scenarioDir: (name) => current().scenarioDir(name),
  };
}

/** The endpoint of `protocol` on the fixture's Coffer, with the root keys. */
export async function targetFor(fx: ClientsFixture, protocol: Protocol, client: string): Promise<Target> {
  const endpoint = protocol === 'https' ? fx.coffer.server.tlsEndpoint : fx.coffer.endpoint;
  if (endpoint === undefined) throw new Error('the fixture Coffer has no HTTPS listener');
  const url = new URL(endpoint);
  return {
    protocol,
    endpoint,
    host: url.hostname,
    port: Number(url.port),
    caFile: protocol === 'https' ? fx.cert.certFile : undefined,
    accessKeyId: fx.coffer.accessKeyId,
    secretAccessKey: fx.coffer.secretAccessKey,
    region: 'us-east-1',
    dir: await fx.scenarioDir(`${client}-${protocol}`),
  };
}
