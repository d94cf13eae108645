// The upload queue: files from the picker or dropped on the page, each with its own progress bar
// and one for the whole batch; a cancel per file and for all (which aborts multipart uploads).
import { useRef, useState } from 'preact/hooks';
import type { S3Client } from './s3.js';
import { uploadFile } from './upload.js';
import type { UploadHandle, UploadSource } from './upload.js';
import { ProgressBar, describeError, formatBytes } from './ui.js';
import type { BarState } from './ui.js';

/** Files going up at once; each large one also sends several parts at once. */
const PARALLEL_FILES = 2;

export interface UploadItem {
  id: number;
  key: string;
  file: File;
  sent: number;
  status: 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled';
  error?: string;
}

export interface Uploads {
  items: UploadItem[];
  add(bucket: string, prefix: string, sources: UploadSource[]): void;
  cancel(id: number): void;
  cancelAll(): void;
  clear(): void;
}

/** The queue's state and runner; `onStored` is called after each object is stored. */
export function useUploads(s3: S3Client, onStored: () => void): Uploads {
  const [items, setItems] = useState<UploadItem[]>([]);
  const state = useRef({ items: [] as UploadItem[], bucket: new Map<number, string>(), handles: new Map<number, UploadHandle>(), next: 1, running: 0 });
  const publish = (): void => setItems(state.current.items.map((i) => ({ ...i })));
  const update = (id: number, change: Partial<UploadItem>): void => {
    const item = state.current.items.find((i) => i.id === id);
    if (item) Object.assign(item, change);
    publish();
  };
  const pump = (): void => {
    const st = state.current;
    while (st.running < PARALLEL_FILES) {
      const item = st.items.find((i) => i.status === 'queued');
      if (!item) return;
      st.running++;
      item.status = 'uploading';
      const handle = uploadFile(s3, st.bucket.get(item.id)!, item.key, item.file, (sent) => update(item.id, { sent }));
      st.handles.set(item.id, handle);
      handle.done
        .then(() => {
          update(item.id, { status: 'done', sent: item.file.size });
          onStored();
        })
        .catch((err: unknown) => {
          if (err instanceof DOMException && err.name === 'AbortError') update(item.id, { status: 'cancelled', error: 'Cancelled: nothing was stored.' });
          else update(item.id, { status: 'failed', error: `${describeError(err)} Nothing was stored; upload the file again.` });
        })
        .finally(() => {
          st.handles.delete(item.id);
          st.running--;
          pump();
        });
    }
    publish();
  };
  return {
    items,
    add(bucket, prefix, sources) {
      const st = state.current;
      for (const { file, path } of sources) {
        const id = st.next++;
        st.bucket.set(id, bucket);
        st.items.push({ id, key: prefix + path, file, sent: 0, status: 'queued' });
      }
      pump();
    },
    cancel(id) {
      const st = state.current;
      const item = st.items.find((i) => i.id === id);
      if (item?.status === 'queued') update(id, { status: 'cancelled', error: 'Cancelled before it started.' });
      st.handles.get(id)?.cancel();
    },
    cancelAll() {
      for (const i of state.current.items) if (i.status === 'queued' || i.status === 'uploading') this.cancel(i.id);
    },
    clear() {
      state.current.items = state.current.items.filter((i) => i.status === 'queued' || i.status === 'uploading');
      publish();
    },
  };
}

export function UploadPanel({ uploads }: { uploads: Uploads }) {
  const { items } = uploads;
  if (items.length === 0) return null;
  // The batch is every file not cancelled: a failed file counts in the total with none of its
  // bytes sent, so a batch with a failure never reads as complete, and one where every file
  // failed reads as nothing stored.
  const counted = items.filter((i) => i.status !== 'cancelled');
  const total = counted.reduce((n, i) => n + i.file.size, 0);
  const sent = counted.reduce((n, i) => n + (i.status === 'failed' ? 0 : i.sent), 0);
  const failed = items.filter((i) => i.status === 'failed').length;
  const cancelled = items.filter((i) => i.status === 'cancelled').length;
  const active = items.some((i) => i.status === 'queued' || i.status === 'uploading');
  const done = items.filter((i) => i.status === 'done').length;
  const state: BarState = active ? 'active' : failed > 0 ? 'failed' : done === 0 ? 'cancelled' : 'done';
  return (
    <section class="uploads" data-testid="uploads" aria-label="Uploads">
      <div class="title-row">
        <h2>
          Uploads: {done} of {items.length} stored{failed > 0 ? `, ${failed} failed` : ''}
          {cancelled > 0 ? `, ${cancelled} cancelled` : ''}, {formatBytes(sent)} of {formatBytes(total)}
        </h2>
        {active ? (
          <button type="button" onClick={() => uploads.cancelAll()}>
            Cancel all
          </button>
        ) : (
          <button type="button" onClick={() => uploads.clear()}>
            Clear
          </button>
        )}
      </div>
      <ProgressBar value={sent} max={total} label="All uploads" name="*batch*" state={state} />
      {state === 'failed' && (
        <p class="error-text" data-testid="batch-failed">
          {failed === counted.length ? 'Every upload failed: nothing was stored.' : `${failed} of ${counted.length} uploads failed: upload those files again.`}
        </p>
      )}
      <ul>
        {items.map((i) => (
          <li key={i.id} class={`upload ${i.status}`} data-key={i.key} data-status={i.status}>
            <div class="upload-row">
              <span class="name" title={i.key}>
                {i.key}
              </span>
              <span class="muted">
                {i.status === 'done'
                  ? formatBytes(i.file.size)
                  : i.status === 'failed'
                    ? `not stored, ${formatBytes(i.file.size)}`
                    : `${formatBytes(i.sent)} / ${formatBytes(i.file.size)}`}
              </span>
              {(i.status === 'queued' || i.status === 'uploading') && (
                <button type="button" class="small" onClick={() => uploads.cancel(i.id)} aria-label={`Cancel ${i.key}`}>
                  Cancel
                </button>
              )}
            </div>
            {/* A failed file's bytes may all have gone out before S3 refused them: its bar shows what was stored, nothing. */}
            <ProgressBar
              value={i.status === 'failed' ? 0 : i.sent}
              max={i.file.size}
              label={`Upload of ${i.key}`}
              name={i.key}
              state={i.status === 'queued' || i.status === 'uploading' ? 'active' : i.status}
            />
            {i.error && (
              <p class="error-text" role="alert">
                {i.error}
              </p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
