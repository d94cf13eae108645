// `coffer server` and `coffer admin …`.
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError, StartupError } from '../config.js';
import { startCoffer } from '../app.js';
import { CliError } from './admin-client.js';
import { adminUsage, runAdmin } from './admin-commands.js';

const USAGE = `usage:
  coffer server [--address host:port] [--data-dir dir] [--region r] [--domains a,b] [--sigv2] ...
${adminUsage()}
Configuration comes from COFFER_* variables; a flag overrides its variable.`;

/** How long a stop signal waits for requests in progress (systemd and Docker wait 90 and 10 s). */
const SHUTDOWN_GRACE_MS = 8000;

/** Options that may stand alone to mean `on`: `--sigv2` is `--sigv2 on`; `--sigv2 off` still works. */
const SWITCHES = ['--sigv2'];

function expandSwitches(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    out.push(arg);
    const next = args[i + 1];
    if (SWITCHES.includes(arg) && (next === undefined || next.startsWith('--'))) out.push('on');
  }
  return out;
}

async function server(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args: expandSwitches(args),
    options: Object.fromEntries(
      [
        'address',
        'tls-address',
        'tls-cert',
        'tls-key',
        'data-dir',
        'database-url',
        'region',
        'domains',
        'max-object-size',
        'max-buckets',
        'region-endpoints',
        'rate-limit',
        'max-inflight',
        'request-timeout',
        'inline-max',
        'upload-max-age',
        'min-free-space',
        'sigv2',
        'log-level',
        'log-format',
        'metrics-public',
        'metrics-token',
        'metrics-bucket-labels',
      ].map((n) => [n, { type: 'string' as const }]),
    ),
  });
  const config = loadConfig(process.env, values as Record<string, string | undefined>);
  const s = await startCoffer(config);
  process.stdout.write(`Coffer S3 endpoint: ${s.endpoint}${s.tlsEndpoint ? `  (TLS: ${s.tlsEndpoint})` : ''}\n`);
  process.stdout.write(`Data directory: ${config.dataDir}\n`);
  if (s.generatedRoot && !config.rootAccessKey) {
    process.stdout.write(
      `\nRoot credentials (shown once; set COFFER_ROOT_ACCESS_KEY / COFFER_ROOT_SECRET_KEY to choose your own):\n` +
        `  AWS_ACCESS_KEY_ID=${s.generatedRoot.accessKeyId}\n  AWS_SECRET_ACCESS_KEY=${s.generatedRoot.secretAccessKey}\n\n`,
    );
  }
  // A stop signal lets requests in progress finish for a while; a second one stops at once.
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    if (s.inflight > 0) process.stdout.write(`Stopping: waiting up to ${SHUTDOWN_GRACE_MS / 1000} s for ${s.inflight} request(s) in progress\n`);
    void s.close(SHUTDOWN_GRACE_MS).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    if (command === 'server') return await server(rest);
    if (command === 'admin') return await runAdmin(rest, process.env);
    process.stderr.write(USAGE + '\n');
    process.exitCode = command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StartupError) {
      process.stderr.write(`coffer: ${err.message}\n`);
      process.exitCode = err instanceof ConfigError ? 2 : 1;
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`coffer ${command}: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}

await main(process.argv.slice(2));
