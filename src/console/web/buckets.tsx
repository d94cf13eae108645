// The bucket list: size and object count (from the admin usage API when the user is an admin,
// else counted from one listing page and shown as a lower bound past it), create, and delete
// after emptying the bucket, with a confirmation.
import { useEffect, useState } from 'preact/hooks';
import type { BucketEntry, S3Client } from './s3.js';
import { S3Failure } from './s3.js';
import { ErrorBox, Modal, formatBytes, formatDate, useAction } from './ui.js';
import { objectsHref } from './routes.js';

interface Usage {
  objects: number;
  bytes: number;
  /** More objects exist than were counted. */
  atLeast?: boolean;
}

/** Count what one ListObjectsV2 page of 1000 keys shows: exact for small buckets, a lower bound past it. */
async function countFromListing(s3: S3Client, bucket: string): Promise<Usage> {
  const page = await s3.list(bucket, '', undefined, 1000, '');
  return { objects: page.objects.length, bytes: page.objects.reduce((n, o) => n + o.size, 0), atLeast: page.nextToken !== undefined };
}

async function loadUsage(s3: S3Client, admin: boolean, buckets: BucketEntry[]): Promise<Map<string, Usage | 'unknown'>> {
  const out = new Map<string, Usage | 'unknown'>();
  if (admin) {
    try {
      const all = await s3.admin<{ buckets: Array<{ bucket: string; objects: number; bytes: number }> }>('GET', 'usage');
      for (const b of all.buckets) out.set(b.bucket, { objects: b.objects, bytes: b.bytes });
    } catch {
      // An admin API without usage: count from listings below.
    }
  }
  // A few listings at a time, so a user with many buckets does not flood the server.
  const todo = buckets.filter((b) => !out.has(b.name));
  const worker = async (): Promise<void> => {
    for (let b = todo.shift(); b; b = todo.shift()) out.set(b.name, await countFromListing(s3, b.name).catch(() => 'unknown' as const));
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return out;
}

/** Remove every object version, delete marker and unfinished upload, then the bucket. */
async function emptyAndDelete(s3: S3Client, bucket: string, progress: (n: number) => void): Promise<void> {
  let removed = 0;
  let marker: { key: string; versionId: string } | undefined;
  let useVersions = true;
  for (;;) {
    let batch: Array<{ key: string; versionId?: string }>;
    let more: boolean;
    if (useVersions) {
      try {
        const page = await s3.listVersionsPage(bucket, '', marker);
        batch = page.entries.map((e) => ({ key: e.key, versionId: e.versionId && e.versionId !== 'null' ? e.versionId : undefined }));
        marker = page.next;
        more = page.next !== undefined;
      } catch (err) {
        // A server without ListObjectVersions: delete the current objects instead.
        if (err instanceof S3Failure && (err.code === 'NotImplemented' || err.status === 501)) {
          useVersions = false;
          continue;
        }
        throw err;
      }
    } else {
      const page = await s3.list(bucket, '', undefined, 1000, '');
      batch = page.objects.map((o) => ({ key: o.key }));
      more = page.nextToken !== undefined;
    }
    if (batch.length > 0) {
      const failed = await s3.deleteMany(bucket, batch);
      if (failed.length > 0) throw new Error(`Some objects could not be deleted: ${failed.slice(0, 3).join('; ')}`);
      removed += batch.length;
      progress(removed);
    }
    if (!more) break;
  }
  for (const u of await s3.listUploads(bucket)) await s3.abortUpload(bucket, u.key, u.uploadId);
  await s3.deleteBucket(bucket);
}

function CreateBucket({ s3, onCreated }: { s3: S3Client; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [versioning, setVersioning] = useState(false);
  const [objectLock, setObjectLock] = useState(false);
  const { busy, error, run } = useAction();
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    await run(async () => {
      try {
        await s3.createBucket(name.trim(), { versioning, objectLock });
        setName('');
      } finally {
        // On failure too: the bucket may exist even so (created, then versioning refused), so show the list as it is.
        onCreated();
      }
    });
  };
  return (
    <form class="inline-form" onSubmit={submit} data-testid="create-bucket">
      <input name="bucket" placeholder="new-bucket-name" aria-label="New bucket name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <label class="check">
        <input type="checkbox" name="versioning" checked={versioning || objectLock} disabled={objectLock} onChange={(e) => setVersioning(e.currentTarget.checked)} /> Versioning
      </label>
      <label class="check" title="Object Lock needs versioning and cannot be turned off later">
        <input type="checkbox" name="objectLock" checked={objectLock} onChange={(e) => setObjectLock(e.currentTarget.checked)} /> Object Lock
      </label>
      <button type="submit" class="primary" disabled={busy}>
        Create bucket
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

function DeleteBucket({ s3, bucket, onClose, onDeleted }: { s3: S3Client; bucket: string; onClose: () => void; onDeleted: () => void }) {
  const [typed, setTyped] = useState('');
  const [status, setStatus] = useState('');
  const { busy, error, run } = useAction();
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    await run(async () => {
      await emptyAndDelete(s3, bucket, (n) => setStatus(`${n} removed…`));
      onDeleted();
    });
  };
  return (
    <Modal title={`Delete bucket ${bucket}`} onClose={onClose}>
      <form onSubmit={submit} data-testid="delete-bucket">
        <p>
          Every object, version and unfinished upload in <b>{bucket}</b> is deleted first, then the bucket. This cannot be undone. Type the bucket name to confirm.
        </p>
        <input name="confirm" aria-label="Bucket name" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
        {status && <p class="muted">{status}</p>}
        <ErrorBox error={error} />
        <div class="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="danger" disabled={typed !== bucket || busy}>
            {busy ? 'Deleting…' : 'Empty and delete'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function BucketsView({ s3, admin }: { s3: S3Client; admin: boolean }) {
  const [buckets, setBuckets] = useState<BucketEntry[]>();
  const [usage, setUsage] = useState<Map<string, Usage | 'unknown'>>(new Map());
  const [error, setError] = useState<unknown>();
  const [deleting, setDeleting] = useState<string>();
  const [generation, setGeneration] = useState(0);
  const reload = (): void => setGeneration((g) => g + 1);

  useEffect(() => {
    let live = true;
    s3.listBuckets()
      .then(async (list) => {
        if (!live) return;
        setBuckets(list);
        setError(undefined);
        const u = await loadUsage(s3, admin, list);
        if (live) setUsage(u);
      })
      .catch((err: unknown) => live && setError(err));
    return () => {
      live = false;
    };
  }, [generation, admin]);

  const show = (name: string, what: 'objects' | 'bytes'): string => {
    const u = usage.get(name);
    if (u === undefined) return '…';
    if (u === 'unknown') return 'unknown';
    const text = what === 'objects' ? String(u.objects) : formatBytes(u.bytes);
    return u.atLeast ? `≥ ${text}` : text;
  };
  return (
    <section data-testid="buckets">
      <div class="title-row">
        <h1>Buckets</h1>
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      <CreateBucket s3={s3} onCreated={reload} />
      <ErrorBox error={error} />
      {buckets && buckets.length === 0 && <p class="muted">No buckets yet.</p>}
      {buckets && buckets.length > 0 && (
        <table class="list">
          <thead>
            <tr>
              <th>Name</th>
              <th class="num">Objects</th>
              <th class="num">Size</th>
              <th class="wide">Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {buckets.map((b) => (
              <tr key={b.name} data-bucket={b.name}>
                <td class="name">
                  <a href={objectsHref(b.name)}>{b.name}</a>
                </td>
                <td class="num">{show(b.name, 'objects')}</td>
                <td class="num">{show(b.name, 'bytes')}</td>
                <td class="wide">{formatDate(b.created)}</td>
                <td class="num">
                  <button type="button" class="danger small" onClick={() => setDeleting(b.name)} aria-label={`Delete bucket ${b.name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {deleting && (
        <DeleteBucket
          s3={s3}
          bucket={deleting}
          onClose={() => setDeleting(undefined)}
          onDeleted={() => {
            setDeleting(undefined);
            reload();
          }}
        />
      )}
    </section>
  );
}
