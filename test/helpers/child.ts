// Coffer as a child process (`node bin/coffer.js server`) on a given data dir, so a test can
// kill it with SIGKILL mid-request and start it again on the same files.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import type { Env } from '../../src/config.js';
import { ROOT_ACCESS_KEY, ROOT_SECRET_KEY } from './coffer.js';

/** dist/test/helpers/child.js → <repo>/bin/coffer.js */
const BIN = fileURLToPath(new URL('../../../bin/coffer.js', import.meta.url));
const START_TIMEOUT_MS = 20_000;

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildCoffer {
  endpoint: string;
  pid: number;
  dataDir: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Send a signal (SIGKILL by default); returns at once, use waitExit() to wait. */
  kill(signal?: NodeJS.Signals): void;
  /** Resolves when the process has exited (at once if it already has). */
  waitExit(): Promise<ChildExit>;
  /** Everything the child wrote to stdout / stderr so far. */
  output(): { stdout: string; stderr: string };
}

export interface ChildOptions {
  /** Extra COFFER_* variables. */
  env?: Env;
  /** Extra `coffer server` arguments (flags). */
  args?: string[];
  /** Working directory of the child (default: the test's). */
  cwd?: string;
  /**
   * The largest file the child may write (RLIMIT_FSIZE, through bash's ulimit, in KiB). A write
   * past it stops short and the next one fails with EFBIG: a disk running out, on any machine.
   */
  fileSizeLimitKiB?: number;
  /** A command that runs node (`fiu-run -x`, which preloads libfiu's fault points): it must exec node, keeping the pid. */
  wrapper?: string[];
  /** The most files the child may have open (RLIMIT_NOFILE, soft and hard, through bash's ulimit). */
  openFilesLimit?: number;
}

/**
 * Start `coffer server` on 127.0.0.1:0 over `dataDir` and resolve once it prints its endpoint.
 * Call it again with the same dataDir after the previous child exited to restart.
 */
export async function startChildCoffer(dataDir: string, opts: ChildOptions = {}): Promise<ChildCoffer> {
  const node = [...(opts.wrapper ?? []), process.execPath, '--enable-source-maps', BIN, 'server', ...(opts.args ?? [])];
  // SIGXFSZ ignored (an ignored signal stays ignored across exec): the write fails instead.
  const limits = [
    ...(opts.fileSizeLimitKiB === undefined ? [] : [`trap '' XFSZ; ulimit -f ${opts.fileSizeLimitKiB}`]),
    // Both limits: node raises a soft limit to the hard one at start-up.
    ...(opts.openFilesLimit === undefined ? [] : [`ulimit -n ${opts.openFilesLimit}`]),
  ];
  const [command, ...args] = limits.length === 0 ? node : ['bash', '-c', `${limits.join('; ')}; exec "$@"`, 'coffer', ...node];
  const child: ChildProcess = spawn(command!, args, {
    cwd: opts.cwd,
    env: {
      PATH: process.env.PATH,
      COFFER_ADDRESS: '127.0.0.1:0',
      COFFER_DATA_DIR: dataDir,
      COFFER_ROOT_ACCESS_KEY: ROOT_ACCESS_KEY,
      COFFER_ROOT_SECRET_KEY: ROOT_SECRET_KEY,
      COFFER_LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  let exit: ChildExit | undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });

  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`coffer did not start within ${START_TIMEOUT_MS} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, START_TIMEOUT_MS);
    const onData = (): void => {
      const m = /Coffer S3 endpoint: (http:\/\/\S+)/.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`coffer exited before listening (code ${e.code}, signal ${e.signal})\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });

  return {
    endpoint,
    pid: child.pid!,
    dataDir,
    accessKeyId: ROOT_ACCESS_KEY,
    secretAccessKey: ROOT_SECRET_KEY,
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (exit === undefined) child.kill(signal);
    },
    waitExit: () => exited,
    output: () => ({ stdout, stderr }),
  };
}

/**
 * startChildCoffer for the length of test `t`: when the test ends the child is killed with
 * SIGKILL and `root`, the temp dir that holds its data dir, is removed.
 */
export async function startChildCofferForTest(t: TestContext, root: string, dataDir: string, opts: ChildOptions = {}): Promise<ChildCoffer> {
  const child = await startChildCoffer(dataDir, opts);
  t.after(async () => {
    child.kill('SIGKILL');
    await child.waitExit();
    await rm(root, { recursive: true, force: true });
  });
  return child;
}

/** An SDK client (path-style, the child's root keys) for `child`, destroyed when test `t` ends. */
export function childClient(t: TestContext, child: ChildCoffer): S3Client {
  const s3 = new S3Client({
    endpoint: child.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: child.accessKeyId, secretAccessKey: child.secretAccessKey },
  });
  t.after(() => s3.destroy());
  return s3;
}

/** Poll `cond` every 20 ms until it holds, failing after `timeoutMs` with what was awaited. */
export async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
