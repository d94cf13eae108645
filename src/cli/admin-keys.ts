// `coffer admin kms create [KEY-ID]`, `coffer admin kms list` and `coffer admin rotate`: the SSE
// keys, through the admin API (src/admin/keys.ts). Key material never leaves the server.
import type { CommandTable } from './admin-commands.js';

export const KMS_COMMANDS: CommandTable = {
  kms: {
    create: {
      usage: 'kms create [KEY-ID]                a local SSE-KMS key (a random id when none is given)',
      async run(c) {
        const keyId = c.args[0];
        const out = (await c.api.call('POST', 'kms/keys', keyId === undefined ? {} : { keyId })) as { keyId: string };
        c.print(c.json ? JSON.stringify(out, null, 2) : `created SSE-KMS key ${out.keyId}`);
      },
    },
    list: {
      usage: 'kms list',
      async run(c) {
        const out = (await c.api.call('GET', 'kms/keys')) as { keys: Array<{ keyId: string }> };
        c.print(c.json ? JSON.stringify(out, null, 2) : ['KEY ID', ...out.keys.map((k) => k.keyId)].join('\n'));
      },
    },
  },
  rotate: {
    '': {
      usage: 'rotate                             a new SSE-S3 master key; objects sealed by older ones stay readable',
      async run(c) {
        const out = (await c.api.call('POST', 'master-key/rotate')) as { masterKeyId: string };
        c.print(c.json ? JSON.stringify(out, null, 2) : `the SSE-S3 master key is now ${out.masterKeyId}`);
      },
    },
  },
};
