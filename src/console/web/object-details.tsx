// One object: its size, ETag, type, metadata, tags and (in a versioned bucket) versions; download,
// a presigned share link with a chosen expiry, rename (copy, then delete the old key), delete.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ObjectDetails, S3Client } from './s3.js';
import { ErrorBox, Modal, copyText, formatBytes, formatDate } from './ui.js';
import { exists, moveObject } from './copy.js';

/** SigV4 presigned URLs live at most seven days. https://docs.aws.amazon.com/AmazonS3/latest/userguide/ShareObjectPreSignedURL.html */
const EXPIRIES: Array<[number, string]> = [
  [900, '15 minutes'],
  [3600, '1 hour'],
  [86400, '1 day'],
  [604800, '7 days'],
];

function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1) || key;
}

/** RFC 6266 filename*, so any name survives the header. */
function attachment(name: string): string {
  return `attachment; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function ObjectDetailsView({ s3, bucket, objectKey, onClose, onChanged }: { s3: S3Client; bucket: string; objectKey: string; onClose: () => void; onChanged: () => void }) {
  const [info, setInfo] = useState<ObjectDetails>();
  const [error, setError] = useState<unknown>();
  const [expiry, setExpiry] = useState(3600);
  const [link, setLink] = useState('');
  const [copied, setCopied] = useState('');
  const [renameTo, setRenameTo] = useState(objectKey);
  const [moving, setMoving] = useState<string>();
  const linkInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    let live = true;
    (async () => {
      const versioning = await s3.getVersioning(bucket).catch(() => '');
      const d = await s3.details(bucket, objectKey, versioning !== '');
      if (live) setInfo(d);
    })().catch((err: unknown) => live && setError(err));
    return () => {
      live = false;
    };
  }, [bucket, objectKey]);

  const download = async (versionId?: string): Promise<void> => {
    try {
      const query: Record<string, string> = { 'response-content-disposition': attachment(baseName(objectKey)) };
      if (versionId) query.versionId = versionId;
      const a = document.createElement('a');
      a.href = await s3.presign(`/${bucket}/${objectKey}`, 300, query);
      a.download = baseName(objectKey);
      document.body.append(a);
      a.click();
      a.remove();
    } catch (err) {
      setError(err);
    }
  };
  const share = async (): Promise<void> => {
    try {
      const url = await s3.presign(`/${bucket}/${objectKey}`, expiry);
      setLink(url);
      const ok = await copyText(url, linkInput.current);
      setCopied(ok ? 'Link copied to the clipboard.' : 'Copy the link above (the clipboard is not available here).');
    } catch (err) {
      setError(err);
    }
  };
  const rename = async (e: Event): Promise<void> => {
    e.preventDefault();
    const to = renameTo.trim();
    if (!to || to === objectKey) return;
    setMoving('Copying…');
    try {
      // A copy replaces what is at its destination: ask first.
      if ((await exists(s3, bucket, to)) && !confirm(`${to} already exists and will be replaced. Rename anyway?`)) return;
      // A copy in parts (over 5 GiB) takes a while: say how far it is.
      await moveObject(s3, bucket, objectKey, to, info?.size, (copied, size) => setMoving(`Copied ${formatBytes(copied)} of ${formatBytes(size)}…`));
      onChanged();
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setMoving(undefined);
    }
  };
  const remove = async (): Promise<void> => {
    if (!confirm(`Delete ${objectKey}?`)) return;
    try {
      await s3.deleteObject(bucket, objectKey);
      onChanged();
      onClose();
    } catch (err) {
      setError(err);
    }
  };
  const removeVersion = async (versionId: string): Promise<void> => {
    if (!confirm(`Delete version ${versionId} of ${objectKey} for good?`)) return;
    try {
      await s3.deleteObject(bucket, objectKey, versionId);
      onChanged();
      setInfo(await s3.details(bucket, objectKey, true));
    } catch (err) {
      setError(err);
    }
  };
  const rows = (o: Record<string, string>) =>
    Object.keys(o).length === 0 ? (
      <span class="muted">none</span>
    ) : (
      <ul class="kv">
        {Object.entries(o).map(([k, v]) => (
          <li key={k}>
            <code>{k}</code> = <code>{v}</code>
          </li>
        ))}
      </ul>
    );
  return (
    <Modal title={baseName(objectKey)} onClose={onClose}>
      <div data-testid="details">
        <ErrorBox error={error} />
        {info && (
          <dl class="details">
            <dt>Key</dt>
            <dd>
              <code>{objectKey}</code>
            </dd>
            <dt>Size</dt>
            <dd data-testid="size">
              {formatBytes(info.size)} ({info.size} bytes)
            </dd>
            <dt>ETag</dt>
            <dd>
              <code>{info.etag}</code>
            </dd>
            <dt>Content type</dt>
            <dd>{info.contentType}</dd>
            <dt>Last modified</dt>
            <dd>{formatDate(info.lastModified)}</dd>
            <dt>Metadata</dt>
            <dd>{rows(info.metadata)}</dd>
            <dt>Tags</dt>
            <dd>{rows(info.tags)}</dd>
            {info.versions && (
              <>
                <dt>Versions</dt>
                <dd>
                  <ul class="kv">
                    {info.versions.map((v) => (
                      <li key={v.versionId}>
                        <code>{v.versionId}</code> {v.deleteMarker ? 'delete marker' : formatBytes(v.size)} {formatDate(v.lastModified)} {v.isLatest ? '(latest)' : ''}{' '}
                        {!v.deleteMarker && (
                          <button type="button" class="link" onClick={() => download(v.versionId)}>
                            download
                          </button>
                        )}{' '}
                        <button type="button" class="link danger-text" onClick={() => removeVersion(v.versionId)} aria-label={`Delete version ${v.versionId}`}>
                          delete
                        </button>
                      </li>
                    ))}
                  </ul>
                </dd>
              </>
            )}
          </dl>
        )}
        <div class="actions">
          <button type="button" class="primary" onClick={() => download()}>
            Download
          </button>
          <button type="button" class="danger" onClick={remove}>
            Delete
          </button>
        </div>
        <h3>Share</h3>
        <div class="inline-form">
          <label>
            Link valid for{' '}
            <select aria-label="Link expiry" value={expiry} onChange={(e) => setExpiry(Number(e.currentTarget.value))}>
              {EXPIRIES.map(([s, label]) => (
                <option key={s} value={s}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={share}>
            Create link
          </button>
        </div>
        {link && <input ref={linkInput} readOnly value={link} aria-label="Share link" data-testid="share-link" onFocus={(e) => e.currentTarget.select()} />}
        {copied && <p class="muted">{copied}</p>}
        <h3>Rename</h3>
        <form class="inline-form" onSubmit={rename}>
          <input aria-label="New key" value={renameTo} onInput={(e) => setRenameTo(e.currentTarget.value)} />
          <button type="submit" disabled={moving !== undefined}>
            Rename
          </button>
        </form>
        {moving && (
          <p class="muted" aria-live="polite">
            {moving}
          </p>
        )}
      </div>
    </Modal>
  );
}
