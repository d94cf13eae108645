// Uploads from the page with progress by the byte: XMLHttpRequest reports upload progress, which
// fetch() does not. Small files are one PutObject; large ones a multipart upload whose parts go
// up a few at a time. Cancelling stops every request in flight and aborts the multipart upload,
// so nothing half-uploaded is left behind (or billed against a quota).
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html
import { S3Failure } from './s3.js';
import type { S3Client } from './s3.js';
import { encodePath, canonicalQuery } from './sigv4.js';

/** Files up to this size go up in one PutObject. */
export const SINGLE_PUT_MAX_BYTES = 16 * 1024 * 1024;
const MIN_PART_BYTES = 8 * 1024 * 1024;
const MAX_PARTS = 10_000;
export const PARALLEL_PARTS = 4;

/** A file to upload and its path below the folder it goes into: its name, or where it sat inside a dropped or picked folder. */
export interface UploadSource {
  file: File;
  path: string;
}

/** Files from a picker: a folder picker gives each its path inside the folder chosen. */
export function sourcesOf(files: FileList | File[] | null): UploadSource[] {
  return Array.from(files ?? []).map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}

export interface UploadHandle {
  /** Resolves when the object is stored; rejects with S3Failure, or an AbortError when cancelled. */
  done: Promise<void>;
  cancel(): void;
}

function failureFromXhr(xhr: XMLHttpRequest): S3Failure {
  const text = xhr.responseText ?? '';
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  if (code) return new S3Failure(xhr.status, code, message ?? code);
  if (xhr.status === 0) return new S3Failure(0, 'NetworkError', 'The connection to the server was lost.');
  return new S3Failure(xhr.status, '', `${xhr.status} ${xhr.statusText}`);
}

function abortError(): Error {
  return new DOMException('The upload was cancelled.', 'AbortError');
}

/** One signed XHR with a body; `onProgress` gets the bytes sent so far. */
async function xhrSend(
  s3: S3Client,
  method: string,
  path: string,
  query: Record<string, string>,
  headers: Record<string, string>,
  body: Blob,
  onProgress: (sent: number) => void,
  signal: AbortSignal,
): Promise<XMLHttpRequest> {
  if (signal.aborted) throw abortError();
  const signed = await s3.signForUpload(method, path, query, headers);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const qs = canonicalQuery(query);
    xhr.open(method, encodePath(path) + (qs ? `?${qs}` : ''));
    for (const [k, v] of Object.entries(signed)) xhr.setRequestHeader(k, v);
    // The Content-Type of the object; not signed, so the browser may normalise it.
    if (body.type) xhr.setRequestHeader('content-type', body.type);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve(xhr) : reject(failureFromXhr(xhr)));
    xhr.onerror = () => reject(failureFromXhr(xhr));
    xhr.onabort = () => reject(abortError());
    const stop = (): void => xhr.abort();
    signal.addEventListener('abort', stop, { once: true });
    xhr.onloadend = () => signal.removeEventListener('abort', stop);
    xhr.send(body);
  });
}

/** Upload `file` to bucket/key; `onProgress(bytesSent, total)` as bytes go out. */
export function uploadFile(s3: S3Client, bucket: string, key: string, file: File, onProgress: (sent: number, total: number) => void): UploadHandle {
  const controller = new AbortController();
  const body = file.type ? file : new Blob([file], { type: 'application/octet-stream' });
  const done =
    file.size <= SINGLE_PUT_MAX_BYTES
      ? xhrSend(s3, 'PUT', `/${bucket}/${key}`, {}, {}, body, (n) => onProgress(n, file.size), controller.signal).then(() => onProgress(file.size, file.size))
      : multipart(s3, bucket, key, body, file.size, onProgress, controller.signal);
  return { done, cancel: () => controller.abort() };
}

async function multipart(
  s3: S3Client,
  bucket: string,
  key: string,
  file: Blob,
  size: number,
  onProgress: (sent: number, total: number) => void,
  signal: AbortSignal,
): Promise<void> {
  const path = `/${bucket}/${key}`;
  const headers: Record<string, string> = {};
  if (file.type) headers['content-type'] = file.type;
  const uploadId = await s3.createUpload(bucket, key, headers, signal);
  const partSize = Math.max(MIN_PART_BYTES, Math.ceil(size / MAX_PARTS));
  const count = Math.max(1, Math.ceil(size / partSize));
  const sent = new Array<number>(count).fill(0);
  const etags = new Array<string>(count);
  const report = (): void =>
    onProgress(
      Math.min(
        size,
        sent.reduce((a, b) => a + b, 0),
      ),
      size,
    );
  // Parts are sliced from the File as they go: the page never holds more than the parts in flight.
  const parts = new AbortController();
  const stop = (): void => parts.abort();
  signal.addEventListener('abort', stop, { once: true });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && !parts.signal.aborted) {
      const i = next++;
      const blob = file.slice(i * partSize, Math.min(size, (i + 1) * partSize));
      const xhr = await xhrSend(
        s3,
        'PUT',
        path,
        { partNumber: String(i + 1), uploadId },
        {},
        new Blob([blob]),
        (n) => {
          sent[i] = n;
          report();
        },
        parts.signal,
      );
      sent[i] = blob.size;
      report();
      etags[i] = xhr.getResponseHeader('etag') ?? '';
    }
  };
  try {
    await Promise.all(
      Array.from({ length: Math.min(PARALLEL_PARTS, count) }, () =>
        worker().catch((err: unknown) => {
          parts.abort();
          throw err;
        }),
      ),
    );
    await s3.completeUpload(bucket, key, uploadId, etags, signal);
  } catch (err) {
    // Cancelled or failed: abort, so the parts already stored are removed.
    await s3.abortUpload(bucket, key, uploadId).catch(() => undefined);
    throw err;
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
