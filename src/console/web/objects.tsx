// One bucket's objects, browsed by prefix as folders: a page at a time with continuation tokens
// (a bucket of any size lists as fast as a small one), a prefix search, sorting within the page,
// uploads of files and folders by drag-and-drop or picker, new folders, renaming an object or a
// folder, deleting one or many.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-folders.html
import { useEffect, useState } from 'preact/hooks';
import type { Listing, S3Client } from './s3.js';
import { ErrorBox, ProgressBar, formatBytes, formatDate } from './ui.js';
import { objectsHref } from './routes.js';
import { UploadPanel, useUploads } from './uploads.js';
import { sourcesOf } from './upload.js';
import { droppedFiles } from './drop.js';
import { exists, moveFolder, moveObject } from './copy.js';
import { ObjectDetailsView } from './object-details.js';

export const PAGE_SIZE = 200;

type SortKey = 'name' | 'size' | 'modified';

function leaf(path: string, prefix: string): string {
  return path.slice(prefix.length);
}

/** Every key under `prefix`, a page at a time, deleted in batches of 1000 (DeleteObjects' limit). */
async function deletePrefix(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const failed: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.list(bucket, prefix, token, 1000, '');
    if (page.objects.length > 0)
      failed.push(
        ...(await s3.deleteMany(
          bucket,
          page.objects.map((o) => ({ key: o.key })),
        )),
      );
    token = page.nextToken;
  } while (token);
  return failed;
}

export function ObjectsView({ s3, bucket, prefix }: { s3: S3Client; bucket: string; prefix: string }) {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [tokens, setTokens] = useState<Array<string | undefined>>([undefined]);
  const [page, setPage] = useState(0);
  const [listing, setListing] = useState<Listing>();
  // A listing's failure clears with the next listing; an action's stays until dismissed, even
  // though the action reloads the listing when it ends.
  const [listError, setListError] = useState<unknown>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [sort, setSort] = useState<{ by: SortKey; desc: boolean }>({ by: 'name', desc: false });
  const [details, setDetails] = useState<string>();
  const [dragging, setDragging] = useState(false);
  const [generation, setGeneration] = useState(0);
  const [task, setTask] = useState<{ label: string; done: number; total: number; failed: number; finished: boolean }>();
  const reload = (): void => setGeneration((g) => g + 1);
  const uploads = useUploads(s3, reload);

  // Files dropped beside the drop area would have the browser leave the console to open them
  // (Chromium and Firefox both do): outside it, a drag of files is refused.
  useEffect(() => {
    const refuse = (e: DragEvent): void => {
      if (!e.dataTransfer?.types.includes('Files') || (e.target instanceof Element && e.target.closest('[data-testid="objects"]'))) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'none';
    };
    addEventListener('dragover', refuse);
    addEventListener('drop', refuse);
    return () => {
      removeEventListener('dragover', refuse);
      removeEventListener('drop', refuse);
    };
  }, []);
  // A new folder or search starts again at the first page.
  useEffect(() => {
    setTokens([undefined]);
    setPage(0);
    setSelected(new Set());
  }, [prefix, query]);
  useEffect(() => {
    setSearch('');
    setQuery('');
  }, [prefix]);
  useEffect(() => {
    let live = true;
    setBusy(true);
    s3.list(bucket, prefix + query, tokens[page])
      .then((l) => {
        if (!live) return;
        setListing(l);
        setListError(undefined);
        setTokens((t) => {
          const copy = t.slice(0, page + 1);
          if (l.nextToken) copy.push(l.nextToken);
          return copy;
        });
      })
      .catch((err: unknown) => live && setListError(err))
      .finally(() => live && setBusy(false));
    return () => {
      live = false;
    };
  }, [bucket, prefix, query, page, generation]);

  const go = (p: string): void => {
    location.hash = objectsHref(bucket, p);
  };
  const toggle = (name: string): void => {
    const next = new Set(selected);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    setSelected(next);
  };
  const deleteSelected = async (): Promise<void> => {
    const keys = [...selected];
    const folders = keys.filter((k) => k.endsWith('/'));
    const objects = keys.filter((k) => !k.endsWith('/'));
    const what = `${objects.length} object(s)${folders.length ? ` and ${folders.length} folder(s) with everything in them` : ''}`;
    if (!confirm(`Delete ${what}? This cannot be undone.`)) return;
    setBusy(true);
    try {
      const failed: string[] = [];
      for (let i = 0; i < objects.length; i += 1000)
        failed.push(
          ...(await s3.deleteMany(
            bucket,
            objects.slice(i, i + 1000).map((key) => ({ key })),
          )),
        );
      for (const f of folders) failed.push(...(await deletePrefix(s3, bucket, f)));
      setError(failed.length > 0 ? `Some objects could not be deleted: ${failed.slice(0, 3).join('; ')}` : undefined);
      setSelected(new Set());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      reload();
    }
  };
  const newFolder = async (): Promise<void> => {
    const name = prompt('New folder name')?.trim().replace(/\/+$/, '');
    if (!name) return;
    try {
      // A folder is a zero-byte object whose key ends in '/', as the S3 console makes it.
      await s3.putEmpty(bucket, `${prefix}${name}/`);
      go(`${prefix}${name}/`);
    } catch (err) {
      setError(err);
    }
  };
  const rename = async (): Promise<void> => {
    const [from] = [...selected];
    if (!from || selected.size !== 1) return;
    const isFolder = from.endsWith('/');
    const name = prompt(`New name for ${from}`, leaf(from, prefix).replace(/\/$/, ''))
      ?.trim()
      .replace(/^\/+|\/+$/g, '');
    if (!name) return;
    const to = `${prefix}${name}${isFolder ? '/' : ''}`;
    if (to === from) return;
    setBusy(true);
    try {
      // A copy replaces what is at its destination: ask first.
      if (await exists(s3, bucket, to)) {
        const what = isFolder ? `${to} already holds objects; those with the same names will be replaced.` : `${to} already exists and will be replaced.`;
        if (!confirm(`${what} Rename anyway?`)) return;
      }
      const label = `Renaming ${from} to ${to}`;
      if (!isFolder) {
        setTask({ label, done: 0, total: 1, failed: 0, finished: false });
        await moveObject(s3, bucket, from, to, files.find((f) => f.name === from)?.size);
        setTask({ label, done: 1, total: 1, failed: 0, finished: true });
      } else {
        const result = await moveFolder(s3, bucket, from, to, (done, total, failed) => setTask({ label, done, total, failed, finished: false }));
        setTask({ label, done: result.total, total: result.total, failed: result.failed.length, finished: true });
        if (result.failed.length > 0) {
          const shown = result.failed.slice(0, 5).join('; ');
          const more = result.failed.length > 5 ? `; and ${result.failed.length - 5} more` : '';
          setError(`${result.failed.length} of ${result.total} objects were not moved and are still under ${from}: ${shown}${more}`);
        }
      }
      setSelected(new Set());
    } catch (err) {
      // The move stopped as a whole (a listing or a delete failed): the error says why, in place of the bar.
      setTask(undefined);
      setError(err);
    } finally {
      setBusy(false);
      reload();
    }
  };
  /** A picker's files join the queue; the input is emptied, so that picking the same files again is seen as a change. */
  const addPicked = (input: HTMLInputElement): void => {
    uploads.add(bucket, prefix, sourcesOf(input.files));
    input.value = '';
  };
  const onDrop = (e: DragEvent): void => {
    e.preventDefault();
    setDragging(false);
    droppedFiles(e.dataTransfer)
      .then((sources) => {
        if (sources.length > 0) uploads.add(bucket, prefix, sources);
      })
      .catch((err: unknown) => setError(`The dropped folder could not be read: ${err instanceof Error ? err.message : String(err)}`));
  };

  const folders = (listing?.prefixes ?? []).map((p) => ({ name: p, size: -1, modified: '' }));
  const files = (listing?.objects ?? []).filter((o) => o.key !== prefix).map((o) => ({ name: o.key, size: o.size, modified: o.lastModified }));
  const cmp = (a: { name: string; size: number; modified: string }, b: typeof a): number => {
    const d = sort.by === 'size' ? a.size - b.size : sort.by === 'modified' ? a.modified.localeCompare(b.modified) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    return sort.desc ? -d : d;
  };
  const rows = [...folders.sort(cmp), ...files.sort(cmp)];
  const header = (by: SortKey, label: string, cls = '') => (
    <th class={cls} aria-sort={sort.by === by ? (sort.desc ? 'descending' : 'ascending') : undefined}>
      <button type="button" class="link" onClick={() => setSort({ by, desc: sort.by === by ? !sort.desc : false })}>
        {label}
        {sort.by === by ? (sort.desc ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  );
  const crumbs = prefix.split('/').filter(Boolean);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a drop target for files; keyboards upload with the Upload files button
    <section
      class={dragging ? 'objects dragging' : 'objects'}
      data-testid="objects"
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <nav class="crumbs" aria-label="Folder">
        <a href="#/">Buckets</a> / <a href={objectsHref(bucket)}>{bucket}</a>
        {crumbs.map((c, i) => (
          <span key={i}>
            {' / '}
            <a href={objectsHref(bucket, `${crumbs.slice(0, i + 1).join('/')}/`)}>{c}</a>
          </span>
        ))}
      </nav>
      <div class="toolbar">
        <label class="button primary">
          Upload files
          <input type="file" multiple data-testid="file-input" onChange={(e) => addPicked(e.currentTarget)} />
        </label>
        <label class="button">
          Upload folder
          <input
            type="file"
            data-testid="folder-input"
            // Not in preact's types: the folder picker every current browser has; its files carry webkitRelativePath.
            {...{ webkitdirectory: true }}
            onChange={(e) => addPicked(e.currentTarget)}
          />
        </label>
        <button type="button" onClick={newFolder}>
          New folder
        </button>
        <button type="button" disabled={selected.size !== 1 || busy} onClick={rename} data-testid="rename">
          Rename
        </button>
        <button type="button" class="danger" disabled={selected.size === 0 || busy} onClick={deleteSelected}>
          Delete{selected.size > 0 ? ` (${selected.size})` : ''}
        </button>
        <button type="button" onClick={reload}>
          Refresh
        </button>
        <form
          class="search"
          onSubmit={(e) => {
            e.preventDefault();
            setQuery(search);
          }}
        >
          <input
            type="search"
            placeholder={`Search ${prefix || 'keys'} by prefix`}
            aria-label="Search by prefix"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </form>
      </div>
      <p class="muted drop-hint">Drop files or folders anywhere here to upload them{prefix ? ` into ${prefix}` : ''}.</p>
      <UploadPanel uploads={uploads} />
      {task && (
        <section class="task" data-testid="task" aria-label="Rename">
          <div class="title-row">
            <h2 aria-live="polite" data-testid="task-status">
              {task.label}: {task.done} of {task.total} objects{task.failed > 0 ? `, ${task.failed} failed` : ''}
              {task.finished ? (task.failed > 0 ? ' — finished with failures' : ' — done') : ''}
            </h2>
            {task.finished && (
              <button type="button" onClick={() => setTask(undefined)}>
                Clear
              </button>
            )}
          </div>
          <ProgressBar value={task.done - task.failed} max={task.total} label={task.label} name="*task*" state={!task.finished ? 'active' : task.failed > 0 ? 'failed' : 'done'} />
        </section>
      )}
      <ErrorBox error={listError} />
      <ErrorBox error={error} onClose={() => setError(undefined)} />
      <table class="list">
        <thead>
          <tr>
            <th class="check">
              <input
                type="checkbox"
                aria-label="Select all on this page"
                checked={rows.length > 0 && rows.every((r) => selected.has(r.name))}
                onChange={(e) => setSelected(e.currentTarget.checked ? new Set(rows.map((r) => r.name)) : new Set())}
              />
            </th>
            {header('name', 'Name')}
            {header('size', 'Size', 'num')}
            {header('modified', 'Last modified', 'wide')}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name} data-key={r.name}>
              <td class="check">
                <input type="checkbox" aria-label={`Select ${r.name}`} checked={selected.has(r.name)} onChange={() => toggle(r.name)} />
              </td>
              <td class="name">
                {r.size < 0 ? (
                  <a href={objectsHref(bucket, r.name)} class="folder">
                    📁 {leaf(r.name, prefix)}
                  </a>
                ) : (
                  <button type="button" class="link" onClick={() => setDetails(r.name)}>
                    {leaf(r.name, prefix)}
                  </button>
                )}
              </td>
              <td class="num">{r.size < 0 ? '' : formatBytes(r.size)}</td>
              <td class="wide">{formatDate(r.modified)}</td>
            </tr>
          ))}
          {listing && rows.length === 0 && (
            <tr>
              <td colSpan={4} class="muted">
                {query ? 'Nothing starts with that prefix.' : 'This folder is empty.'}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <div class="pager">
        <button type="button" disabled={page === 0 || busy} onClick={() => setPage(page - 1)}>
          ← Previous
        </button>
        <span class="muted">Page {page + 1}</span>
        <button type="button" disabled={!listing?.nextToken || busy} onClick={() => setPage(page + 1)} data-testid="next-page">
          Next →
        </button>
      </div>
      {details && <ObjectDetailsView s3={s3} bucket={bucket} objectKey={details} onClose={() => setDetails(undefined)} onChanged={reload} />}
    </section>
  );
}
