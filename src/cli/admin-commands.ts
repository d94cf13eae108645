// The `coffer admin` commands: a table of resource → action → command, each a usage line, its
// options and what it does, so a feature adds its commands as one more table (kms, rotate…)
// spread into ADMIN_COMMANDS. Every command prints a table or sentence for people, and with
// --json the API's own answer for scripts.
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import type { Env } from '../config.js';
import { AdminApi, CliError, endpointFromEnv } from './admin-client.js';
import { formatBytes } from '../logging.js';
import { KMS_COMMANDS } from './admin-keys.js';

export interface CommandRun {
  api: AdminApi;
  /** Arguments after `coffer admin <resource> <action>` that are not options. */
  args: string[];
  options: Record<string, string | boolean | undefined>;
  json: boolean;
  print(text: string): void;
}

export interface AdminCommand {
  /** What follows `coffer admin`, e.g. `user show NAME`. */
  usage: string;
  options?: NonNullable<ParseArgsConfig['options']>;
  run(c: CommandRun): Promise<void>;
}

export type CommandTable = Record<string, Record<string, AdminCommand>>;

/** Rows under a header, each column as wide as its widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|PB|KiB|MiB|GiB|TiB|PiB|K|M|G|T|P)?$/i;
const UNIT_BYTES: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, pb: 1e15, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, pib: 2 ** 50 };

/** `10GiB`, `500 MB`, `1.5T` (binary for a bare letter, as df -h), or bytes. */
export function parseSize(text: string): number {
  const m = SIZE.exec(text.trim());
  if (!m) throw new CliError(`'${text}' is not a size: write bytes or a number with a unit (500MB, 10GiB, 2T)`, 2);
  const unit = (m[2] ?? 'b').toLowerCase();
  const bytes = Math.round(Number(m[1]) * (UNIT_BYTES[unit] ?? UNIT_BYTES[`${unit}ib`]!));
  if (!Number.isSafeInteger(bytes)) throw new CliError(`'${text}' is too large`, 2);
  return bytes;
}

function wholeNumber(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new CliError(`${what} must be a whole number, got '${text}'`, 2);
  return Number(text);
}

function need(c: CommandRun, index: number, what: string, usage: string): string {
  const v = c.args[index];
  if (v === undefined || v === '') throw new CliError(`missing ${what}: coffer admin ${usage}`, 2);
  return encodeURIComponent(v);
}

function printJson(c: CommandRun, value: unknown): void {
  c.print(JSON.stringify(value ?? null, null, 2));
}

interface UserJson {
  name: string;
  email: string | null;
  admin: boolean;
  createdAt: string;
  accessKeyIds?: string[];
  accessKeys?: KeyJson[];
}
interface KeyJson {
  accessKeyId: string;
  status: string;
  createdAt: string;
  secretAccessKey?: string;
}
interface QuotaJson {
  hardQuotaBytes: number;
  maxObjects?: number;
}
interface UsageJson {
  bucket: string;
  objects: number;
  bytes: number;
  incompleteUploads: { parts: number; bytes: number };
  quota: QuotaJson | null;
}

function keysTable(keys: KeyJson[]): string {
  return table(
    ['ACCESS KEY ID', 'STATUS', 'CREATED'],
    keys.map((k) => [k.accessKeyId, k.status, k.createdAt]),
  );
}

function quotaText(q: QuotaJson): string {
  return `${formatBytes(q.hardQuotaBytes)} (${q.hardQuotaBytes} bytes)${q.maxObjects !== undefined ? `, ${q.maxObjects} objects` : ''}`;
}

function usageRows(rows: UsageJson[]): string[][] {
  return rows.map((r) => {
    const used = r.bytes + r.incompleteUploads.bytes;
    return [
      r.bucket,
      String(r.objects),
      formatBytes(r.bytes),
      `${r.incompleteUploads.parts} / ${formatBytes(r.incompleteUploads.bytes)}`,
      r.quota ? formatBytes(r.quota.hardQuotaBytes) + (r.quota.maxObjects !== undefined ? ` / ${r.quota.maxObjects} obj` : '') : '-',
      r.quota ? (r.quota.hardQuotaBytes === 0 ? (used > 0 ? '∞' : '0%') : `${((100 * used) / r.quota.hardQuotaBytes).toFixed(1)}%`) : '-',
    ];
  });
}

const USAGE_HEADER = ['BUCKET', 'OBJECTS', 'BYTES', 'UPLOAD PARTS', 'QUOTA', 'USED'];

const keyOptions = { 'access-key-id': { type: 'string' }, 'secret-access-key': { type: 'string' } } as const;

export const USER_COMMANDS: CommandTable = {
  user: {
    create: {
      usage: 'user create --name NAME [--email EMAIL] [--admin] [--access-key-id KEY --secret-access-key SECRET]',
      options: { name: { type: 'string' }, email: { type: 'string' }, admin: { type: 'boolean' }, ...keyOptions },
      async run(c) {
        const name = c.options.name;
        if (typeof name !== 'string' || name === '') throw new CliError('missing --name: coffer admin user create --name NAME', 2);
        const out = (await c.api.call('POST', 'users', {
          name,
          email: c.options.email,
          admin: c.options.admin === true,
          accessKeyId: c.options['access-key-id'],
          secretAccessKey: c.options['secret-access-key'],
        })) as UserJson & { accessKeyId: string; secretAccessKey: string };
        if (c.json) return printJson(c, out);
        c.print(
          `Created user ${out.name}${out.admin ? ' (admin)' : ''}.\n  access key id:     ${out.accessKeyId}\n  secret access key: ${out.secretAccessKey}\nThe secret is shown only now.`,
        );
      },
    },
    list: {
      usage: 'user list',
      async run(c) {
        const out = (await c.api.call('GET', 'users')) as { users: UserJson[] };
        if (c.json) return printJson(c, out);
        c.print(
          table(
            ['NAME', 'ADMIN', 'EMAIL', 'ACCESS KEYS', 'CREATED'],
            out.users.map((u) => [u.name, u.admin ? 'yes' : 'no', u.email ?? '-', (u.accessKeyIds ?? []).join(','), u.createdAt]),
          ),
        );
      },
    },
    show: {
      usage: 'user show NAME',
      async run(c) {
        const out = (await c.api.call('GET', `users/${need(c, 0, 'the user name', 'user show NAME')}`)) as UserJson;
        if (c.json) return printJson(c, out);
        c.print(`name:    ${out.name}\nadmin:   ${out.admin ? 'yes' : 'no'}\nemail:   ${out.email ?? '-'}\ncreated: ${out.createdAt}\n\n${keysTable(out.accessKeys ?? [])}`);
      },
    },
    delete: {
      usage: 'user delete NAME',
      async run(c) {
        await c.api.call('DELETE', `users/${need(c, 0, 'the user name', 'user delete NAME')}`);
        if (c.json) return printJson(c, { deleted: c.args[0] });
        c.print(`Deleted user ${c.args[0]}.`);
      },
    },
  },
};

function setKeyStatus(status: 'Active' | 'Inactive', verb: string): AdminCommand {
  const usage = `key ${verb} USER ACCESS_KEY_ID`;
  return {
    usage,
    async run(c) {
      const out = (await c.api.call('PUT', `users/${need(c, 0, 'the user name', usage)}/keys/${need(c, 1, 'the access key id', usage)}`, { status })) as KeyJson;
      if (c.json) return printJson(c, out);
      c.print(`Access key ${out.accessKeyId} of ${c.args[0]} is ${status === 'Active' ? 'active' : 'disabled: requests signed with it are refused (InvalidAccessKeyId)'}.`);
    },
  };
}

export const KEY_COMMANDS: CommandTable = {
  key: {
    add: {
      usage: 'key add USER [--access-key-id KEY --secret-access-key SECRET]',
      options: keyOptions,
      async run(c) {
        const out = (await c.api.call('POST', `users/${need(c, 0, 'the user name', 'key add USER')}/keys`, {
          accessKeyId: c.options['access-key-id'],
          secretAccessKey: c.options['secret-access-key'],
        })) as KeyJson;
        if (c.json) return printJson(c, out);
        c.print(`Added an access key to ${c.args[0]}.\n  access key id:     ${out.accessKeyId}\n  secret access key: ${out.secretAccessKey}\nThe secret is shown only now.`);
      },
    },
    list: {
      usage: 'key list USER',
      async run(c) {
        const out = (await c.api.call('GET', `users/${need(c, 0, 'the user name', 'key list USER')}/keys`)) as { accessKeys: KeyJson[] };
        if (c.json) return printJson(c, out);
        c.print(keysTable(out.accessKeys));
      },
    },
    disable: setKeyStatus('Inactive', 'disable'),
    enable: setKeyStatus('Active', 'enable'),
    delete: {
      usage: 'key delete USER ACCESS_KEY_ID',
      async run(c) {
        await c.api.call(
          'DELETE',
          `users/${need(c, 0, 'the user name', 'key delete USER ACCESS_KEY_ID')}/keys/${need(c, 1, 'the access key id', 'key delete USER ACCESS_KEY_ID')}`,
        );
        if (c.json) return printJson(c, { deleted: c.args[1] });
        c.print(`Deleted access key ${c.args[1]} of ${c.args[0]}.`);
      },
    },
  },
};

export const QUOTA_COMMANDS: CommandTable = {
  quota: {
    set: {
      usage: 'quota set BUCKET --bytes SIZE [--objects N]',
      options: { bytes: { type: 'string' }, objects: { type: 'string' } },
      async run(c) {
        const bucket = need(c, 0, 'the bucket name', 'quota set BUCKET --bytes SIZE');
        if (typeof c.options.bytes !== 'string') throw new CliError('missing --bytes: coffer admin quota set BUCKET --bytes SIZE [--objects N]', 2);
        const quota: QuotaJson = { hardQuotaBytes: parseSize(c.options.bytes) };
        if (typeof c.options.objects === 'string') quota.maxObjects = wholeNumber(c.options.objects, '--objects');
        const out = (await c.api.call('PUT', `buckets/${bucket}/quota`, quota)) as QuotaJson;
        if (c.json) return printJson(c, out);
        c.print(`Quota of ${c.args[0]}: ${quotaText(out)}.`);
      },
    },
    show: {
      usage: 'quota show BUCKET',
      async run(c) {
        const out = (await c.api.call('GET', `buckets/${need(c, 0, 'the bucket name', 'quota show BUCKET')}/quota`)) as QuotaJson;
        if (c.json) return printJson(c, out);
        c.print(`Quota of ${c.args[0]}: ${quotaText(out)}.`);
      },
    },
    clear: {
      usage: 'quota clear BUCKET',
      async run(c) {
        await c.api.call('DELETE', `buckets/${need(c, 0, 'the bucket name', 'quota clear BUCKET')}/quota`);
        if (c.json) return printJson(c, { cleared: c.args[0] });
        c.print(`${c.args[0]} has no quota now.`);
      },
    },
  },
};

export const USAGE_COMMANDS: CommandTable = {
  usage: {
    // `coffer admin usage` and `coffer admin usage BUCKET`: the action is the bucket, if any.
    '': {
      usage: 'usage [BUCKET]',
      async run(c) {
        if (c.args[0] !== undefined) {
          const out = (await c.api.call('GET', `buckets/${encodeURIComponent(c.args[0])}/usage`)) as UsageJson;
          if (c.json) return printJson(c, out);
          return c.print(table(USAGE_HEADER, usageRows([out])));
        }
        const out = (await c.api.call('GET', 'usage')) as {
          buckets: UsageJson[];
          total: { buckets: number; objects: number; bytes: number; incompleteUploads: { parts: number; bytes: number } };
        };
        if (c.json) return printJson(c, out);
        const t = out.total;
        c.print(
          `${table(USAGE_HEADER, usageRows(out.buckets))}\n\n${t.buckets} buckets, ${t.objects} objects, ${formatBytes(t.bytes)}; unfinished uploads: ${t.incompleteUploads.parts} parts, ${formatBytes(t.incompleteUploads.bytes)}`,
        );
      },
    },
  },
};

/** Every `coffer admin` command. A feature with commands of its own adds its table here. */
export const ADMIN_COMMANDS: CommandTable = { ...USER_COMMANDS, ...KEY_COMMANDS, ...QUOTA_COMMANDS, ...USAGE_COMMANDS, ...KMS_COMMANDS };

export function adminUsage(commands: CommandTable = ADMIN_COMMANDS): string {
  const lines = Object.values(commands).flatMap((actions) => Object.values(actions).map((c) => `  coffer admin ${c.usage}`));
  return `${lines.join('\n')}\nOptions: --json (the API's JSON, for scripts), --endpoint URL (else COFFER_ENDPOINT, or http://COFFER_ADDRESS).\nKeys: COFFER_ROOT_ACCESS_KEY and COFFER_ROOT_SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), an admin user's.`;
}

/** Run `coffer admin <args>`. */
export async function runAdmin(
  argv: string[],
  env: Env,
  print: (text: string) => void = (t) => process.stdout.write(`${t}\n`),
  commands: CommandTable = ADMIN_COMMANDS,
): Promise<void> {
  const [resource, ...rest] = argv;
  if (resource === 'help' || resource === '--help' || resource === '-h') return print(adminUsage(commands));
  const actions = resource === undefined ? undefined : commands[resource];
  if (!actions) throw new CliError(`${resource === undefined ? 'what to do?' : `unknown command '${resource}'`}\n${adminUsage(commands)}`, 2);
  // A table whose only action is '' takes its first argument as an argument (usage BUCKET).
  let action = '';
  let args = rest;
  if (!(Object.keys(actions).length === 1 && '' in actions)) {
    action = rest[0] ?? '';
    args = rest.slice(1);
  }
  const command = actions[action];
  if (!command) throw new CliError(`unknown command '${resource} ${action}'\n${adminUsage({ [resource!]: actions })}`, 2);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { ...command.options, json: { type: 'boolean' }, endpoint: { type: 'string' } } });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\nusage: coffer admin ${command.usage}`, 2);
  }
  const { endpoint, json, ...options } = parsed.values as Record<string, string | boolean | undefined>;
  const api = new AdminApi(endpointFromEnv(env, typeof endpoint === 'string' ? endpoint : undefined));
  await command.run({ api, args: parsed.positionals, options, json: json === true, print });
}
