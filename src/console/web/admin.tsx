// Admin screens over Coffer's admin API (/_coffer/admin/v1/, DESIGN.md): users and their access
// keys, bucket quotas and usage. Where the server's admin API lacks an endpoint, its answer is shown.
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { S3Client } from './s3.js';
import { ErrorBox, formatBytes, formatDate } from './ui.js';

interface User {
  name: string;
  email?: string;
  admin: boolean;
  createdAt: string;
  accessKeyIds?: string[];
}

interface AccessKey {
  accessKeyId: string;
  status: string;
  createdAt: string;
}

interface Created {
  name: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const seg = encodeURIComponent;

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** '5 GiB', '500MB', '1024' → bytes; NaN when it is none of these (the server then says why). */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*$/i.exec(text);
  if (!m) return Number.NaN;
  return Math.round(Number(m[1]) * (UNITS[(m[2] ?? '').toLowerCase()] ?? Number.NaN));
}

function NewSecret({ created, onDone }: { created: Created; onDone: () => void }) {
  return (
    <div class="notice" role="status" data-testid="new-secret">
      <p>
        Keys for <b>{created.name}</b>. The secret is shown only now: copy it somewhere safe.
      </p>
      <p>
        Access key <code>{created.accessKeyId}</code>
        <br />
        Secret key <code>{created.secretAccessKey}</code>
      </p>
      <button type="button" onClick={onDone}>
        Done
      </button>
    </div>
  );
}

function UserKeys({ s3, user, onCreated }: { s3: S3Client; user: string; onCreated: (c: Created) => void }) {
  const [keys, setKeys] = useState<AccessKey[]>();
  const [error, setError] = useState<unknown>();
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    s3.admin<{ accessKeys: AccessKey[] }>('GET', `users/${seg(user)}/keys`)
      .then((r) => setKeys(r.accessKeys))
      .catch(setError);
  }, [user, generation]);
  const act = async (f: () => Promise<unknown>): Promise<void> => {
    try {
      await f();
      setError(undefined);
      setGeneration((g) => g + 1);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div class="keys">
      <ErrorBox error={error} />
      {keys && (
        <ul class="kv">
          {keys.map((k) => (
            <li key={k.accessKeyId} data-key-id={k.accessKeyId}>
              <code>{k.accessKeyId}</code> <span class={k.status === 'Active' ? '' : 'muted'}>{k.status}</span>{' '}
              <button
                type="button"
                class="link"
                onClick={() => act(() => s3.admin('PUT', `users/${seg(user)}/keys/${seg(k.accessKeyId)}`, { status: k.status === 'Active' ? 'Inactive' : 'Active' }))}
              >
                {k.status === 'Active' ? 'disable' : 'enable'}
              </button>{' '}
              <button
                type="button"
                class="link danger-text"
                onClick={() => confirm(`Delete access key ${k.accessKeyId}?`) && act(() => s3.admin('DELETE', `users/${seg(user)}/keys/${seg(k.accessKeyId)}`))}
              >
                delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <button
        type="button"
        class="small"
        onClick={() =>
          act(async () => {
            const k = await s3.admin<{ accessKeyId: string; secretAccessKey: string }>('POST', `users/${seg(user)}/keys`, {});
            onCreated({ name: user, accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey });
          })
        }
      >
        Add access key
      </button>
    </div>
  );
}

export function UsersView({ s3 }: { s3: S3Client }) {
  const [users, setUsers] = useState<User[]>();
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<Created>();
  const [open, setOpen] = useState<string>();
  const [form, setForm] = useState({ name: '', email: '', admin: false });
  const [generation, setGeneration] = useState(0);
  const reload = (): void => setGeneration((g) => g + 1);
  useEffect(() => {
    s3.admin<{ users: User[] }>('GET', 'users')
      .then((r) => setUsers(r.users))
      .catch(setError);
  }, [generation]);
  const create = async (e: Event): Promise<void> => {
    e.preventDefault();
    try {
      const c = await s3.admin<Created>('POST', 'users', { name: form.name.trim(), email: form.email.trim() || undefined, admin: form.admin });
      setCreated(c);
      setForm({ name: '', email: '', admin: false });
      setError(undefined);
      reload();
    } catch (err) {
      setError(err);
    }
  };
  const remove = async (name: string): Promise<void> => {
    if (!confirm(`Delete user ${name} and all of their access keys?`)) return;
    try {
      await s3.admin('DELETE', `users/${seg(name)}`);
      reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section data-testid="users">
      <h1>Users and access keys</h1>
      <form class="inline-form" onSubmit={create}>
        <input aria-label="User name" placeholder="name" required value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
        <input aria-label="Email" placeholder="email (optional)" type="email" value={form.email} onInput={(e) => setForm({ ...form, email: e.currentTarget.value })} />
        <label class="check">
          <input type="checkbox" checked={form.admin} onChange={(e) => setForm({ ...form, admin: e.currentTarget.checked })} /> Admin
        </label>
        <button type="submit" class="primary">
          Create user
        </button>
      </form>
      {created && <NewSecret created={created} onDone={() => setCreated(undefined)} />}
      <ErrorBox error={error} onClose={() => setError(undefined)} />
      {users && (
        <table class="list">
          <thead>
            <tr>
              <th>Name</th>
              <th class="wide">Email</th>
              <th>Role</th>
              <th class="wide">Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <Fragment key={u.name}>
                <tr data-user={u.name}>
                  <td>
                    <button type="button" class="link" aria-expanded={open === u.name} onClick={() => setOpen(open === u.name ? undefined : u.name)}>
                      {open === u.name ? '▾' : '▸'} {u.name}
                    </button>
                  </td>
                  <td class="wide">{u.email ?? ''}</td>
                  <td>{u.admin ? 'admin' : 'user'}</td>
                  <td class="wide">{formatDate(u.createdAt)}</td>
                  <td class="num">
                    <button type="button" class="danger small" onClick={() => remove(u.name)}>
                      Delete
                    </button>
                  </td>
                </tr>
                {open === u.name && (
                  <tr>
                    <td colSpan={5}>
                      <UserKeys s3={s3} user={u.name} onCreated={setCreated} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

interface UsageRow {
  bucket: string;
  objects: number;
  bytes: number;
  incompleteUploads?: { parts: number; bytes: number };
  quota: { hardQuotaBytes?: number; maxObjects?: number } | null;
}

function QuotaEditor({ s3, row, onSaved }: { s3: S3Client; row: UsageRow; onSaved: () => void }) {
  const [bytes, setBytes] = useState(row.quota?.hardQuotaBytes !== undefined ? String(row.quota.hardQuotaBytes) : '');
  const [objects, setObjects] = useState(row.quota?.maxObjects !== undefined ? String(row.quota.maxObjects) : '');
  const [error, setError] = useState<unknown>();
  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    try {
      const body: Record<string, number> = { hardQuotaBytes: parseSize(bytes) };
      if (objects.trim() !== '') body.maxObjects = Number(objects);
      await s3.admin('PUT', `buckets/${seg(row.bucket)}/quota`, body);
      onSaved();
    } catch (err) {
      setError(err);
    }
  };
  const clear = async (): Promise<void> => {
    try {
      await s3.admin('DELETE', `buckets/${seg(row.bucket)}/quota`);
      onSaved();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="inline-form" onSubmit={save}>
      <input
        aria-label={`Quota size for ${row.bucket}`}
        inputMode="numeric"
        placeholder="size, e.g. 10 GiB"
        required
        value={bytes}
        onInput={(e) => setBytes(e.currentTarget.value)}
      />
      <input aria-label={`Max objects for ${row.bucket}`} inputMode="numeric" placeholder="max objects" value={objects} onInput={(e) => setObjects(e.currentTarget.value)} />
      <button type="submit" class="small">
        Set quota
      </button>
      {row.quota && (
        <button type="button" class="small" onClick={clear}>
          Remove
        </button>
      )}
      <ErrorBox error={error} />
    </form>
  );
}

export function UsageView({ s3 }: { s3: S3Client }) {
  const [rows, setRows] = useState<UsageRow[]>();
  const [error, setError] = useState<unknown>();
  const [editing, setEditing] = useState<string>();
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    s3.admin<{ buckets: UsageRow[] }>('GET', 'usage')
      .then((r) => setRows(r.buckets))
      .catch(setError);
  }, [generation]);
  return (
    <section data-testid="usage">
      <h1>Quotas and usage</h1>
      <ErrorBox error={error} />
      {rows && (
        <table class="list">
          <thead>
            <tr>
              <th>Bucket</th>
              <th class="num">Objects</th>
              <th class="num">Size</th>
              <th class="num wide">Unfinished uploads</th>
              <th>Quota</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.bucket} data-bucket={r.bucket}>
                <td>{r.bucket}</td>
                <td class="num">{r.objects}</td>
                <td class="num">{formatBytes(r.bytes)}</td>
                <td class="num wide">{r.incompleteUploads ? formatBytes(r.incompleteUploads.bytes) : ''}</td>
                <td>
                  {editing === r.bucket ? (
                    <QuotaEditor
                      s3={s3}
                      row={r}
                      onSaved={() => {
                        setEditing(undefined);
                        setGeneration((g) => g + 1);
                      }}
                    />
                  ) : (
                    <>
                      {r.quota ? `${formatBytes(r.quota.hardQuotaBytes)}${r.quota.maxObjects !== undefined ? `, ${r.quota.maxObjects} objects` : ''}` : 'none'}{' '}
                      <button type="button" class="link" onClick={() => setEditing(r.bucket)}>
                        edit
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
