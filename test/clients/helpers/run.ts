// Running a client's command the way a user's shell would, with a time limit and its output
// captured; and finding out whether a client is installed at all.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** One client command may take this long (a 40 MB transfer on a busy 2-core machine included). */
export const COMMAND_TIMEOUT_MS = 180_000;

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export interface CommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** The executable `name` resolves to on PATH, as the shell finds it, or undefined. */
export function findCommand(name: string): string | undefined {
  return findCommands(name)[0];
}

/** Every executable called `name` on PATH, in PATH order (the first is the one the shell runs). */
export function findCommands(name: string): string[] {
  const found: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      found.push(candidate);
    } catch {
      // not in this directory
    }
  }
  return found;
}

/** Whether `python3` on PATH can import `module` (boto3 is a library, not a command). */
export function pythonHasModule(module: string): boolean {
  if (findCommand('python3') === undefined) return false;
  return spawnSync('python3', ['-c', `import ${module}`], { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

/**
 * This process's environment for a client, without the variables a developer's own AWS, boto,
 * rclone or s3cmd setup may have left (keys, profiles, endpoints), plus `extra`. Loopback goes
 * direct even when a proxy is configured.
 */
export function clientEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(AWS_|BOTO_|RCLONE_|S3CMD_)/i.test(name)) env[name] = value;
  }
  return { ...env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost', ...extra };
}

/** Run `command` to its end (killed after the timeout); never throws for a non-zero exit. */
export function runCommand(command: string, args: readonly string[], opts: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? COMMAND_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(stdout), stderr }));
  });
}

/** Text of a command's failure: what ran, how it ended, and the end of what it said. */
export function describeFailure(command: string, args: readonly string[], r: CommandResult): string {
  const how = r.signal === 'SIGKILL' ? 'was killed (time limit)' : r.signal ? `died of ${r.signal}` : `exited with ${r.code}`;
  const tail = (s: string): string => (s.length > 4000 ? `…${s.slice(-4000)}` : s).trim();
  return `${command} ${args.join(' ')} ${how}\nstderr: ${tail(r.stderr)}\nstdout: ${tail(r.stdout.toString('utf8'))}`;
}

/** Run `command`, which must exit 0; resolves with its stdout. */
export async function runOk(command: string, args: readonly string[], opts: CommandOptions = {}): Promise<Buffer> {
  const r = await runCommand(command, args, opts);
  if (r.code !== 0) throw new Error(describeFailure(command, args, r));
  return r.stdout;
}

export interface ClientPresence {
  /** For the test's options: the reason it is skipped, when the client is missing outside CI. */
  skip?: string;
  /** Under CI=true a missing client is a failure: the scenario throws this message. */
  missing?: string;
}

/**
 * Whether a client is installed. Outside CI a missing one prints one line and its scenarios skip
 * with that reason; under CI=true they run and fail, so CI cannot pass without every client.
 */
export function clientPresence(client: string, installed: boolean, install: string): ClientPresence {
  if (installed) return {};
  const reason = `${client} is not installed (${install})`;
  if (process.env.CI === 'true') return { missing: `${reason}, and CI=true needs every client` };
  console.log(`${reason}: its scenarios are skipped`);
  return { skip: reason };
}
