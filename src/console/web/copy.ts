// Renaming in the console: S3 has no rename, so an object is copied to its new key and the old key
// is deleted; a folder is every key under its prefix moved that way. CopyObject copies at most
// 5 GiB in one request; a larger object is copied as a multipart upload whose parts are
// UploadPartCopy byte ranges of the source, which carries none of the source's metadata or tags
// on its own, so they are read first and given to CreateMultipartUpload.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/CopyingObjectsMPUapi.html
import { S3Failure, throwIfErrorBody } from './s3.js';
import type { S3Client } from './s3.js';
import { encodePath } from './sigv4.js';

export interface CopyLimits {
  /** The largest object CopyObject copies in one request. */
  singleCopyMaxBytes: number;
  /** The smallest part (every part but the last); larger objects get larger parts to stay within maxParts. */
  minPartBytes: number;
  maxParts: number;
}

/** S3's limits: 5 GiB for one CopyObject, parts of 5 MiB to 5 GiB, at most 10,000 of them. */
export const S3_COPY_LIMITS: CopyLimits = { singleCopyMaxBytes: 5 * 1024 ** 3, minPartBytes: 512 * 1024 ** 2, maxParts: 10_000 };

/**
 * The limits in force. A test may lower them before the page loads (a global set by an init
 * script), so that the multipart branch runs, unchanged, on an object of a few MiB.
 */
export function copyLimits(): CopyLimits {
  const override = (globalThis as { __COFFER_CONSOLE_COPY_LIMITS__?: Partial<CopyLimits> }).__COFFER_CONSOLE_COPY_LIMITS__;
  return { ...S3_COPY_LIMITS, ...override };
}

export interface CopyPart {
  partNumber: number;
  /** Inclusive byte range of the source, as x-amz-copy-source-range writes it. */
  first: number;
  last: number;
}

/** How an object of `size` bytes is copied: undefined for one CopyObject, else the UploadPartCopy ranges. */
export function copyPlan(size: number, limits: CopyLimits): CopyPart[] | undefined {
  if (size <= limits.singleCopyMaxBytes) return undefined;
  const partBytes = Math.max(limits.minPartBytes, Math.ceil(size / limits.maxParts));
  const parts: CopyPart[] = [];
  for (let first = 0, n = 1; first < size; first += partBytes, n++) parts.push({ partNumber: n, first, last: Math.min(size, first + partBytes) - 1 });
  return parts;
}

/** Parts copied at once; each is server-side work, so a few suffice. */
const PARALLEL_COPIES = 4;

function copySource(bucket: string, key: string): string {
  // x-amz-copy-source is the URL-encoded bucket/key.
  return encodePath(`/${bucket}/${key}`);
}

/** Headers a copy keeps from its source: the ones CreateMultipartUpload takes and UploadPartCopy does not carry over. */
const KEPT_HEADERS = [
  'content-type',
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
  'x-amz-storage-class',
  'x-amz-website-redirect-location',
];

/**
 * Copy bucket/from to bucket/to, metadata and tags included; `size` is the source's (HEAD asks
 * for it when not given). `onProgress(bytesCopied, size)` moves as parts of a large copy finish.
 */
export async function copyObject(s3: S3Client, bucket: string, from: string, to: string, size?: number, onProgress?: (copied: number, size: number) => void): Promise<void> {
  const limits = copyLimits();
  if (size === undefined || size > limits.singleCopyMaxBytes) {
    return multipartCopy(s3, bucket, from, to, limits, onProgress);
  }
  const res = await s3.send(`/${bucket}/${to}`, { method: 'PUT', headers: { 'x-amz-copy-source': copySource(bucket, from) } });
  throwIfErrorBody(await res.text());
  onProgress?.(size, size);
}

async function multipartCopy(s3: S3Client, bucket: string, from: string, to: string, limits: CopyLimits, onProgress?: (copied: number, size: number) => void): Promise<void> {
  const head = await s3.send(`/${bucket}/${from}`, { method: 'HEAD' });
  const size = Number(head.headers.get('content-length') ?? 0);
  const parts = copyPlan(size, limits);
  if (!parts) {
    // Small after all (the caller did not know its size): one CopyObject.
    const res = await s3.send(`/${bucket}/${to}`, {
      method: 'PUT',
      headers: { 'x-amz-copy-source': copySource(bucket, from), 'x-amz-copy-source-if-match': head.headers.get('etag') ?? '' },
    });
    throwIfErrorBody(await res.text());
    onProgress?.(size, size);
    return;
  }
  const etag = head.headers.get('etag') ?? '';
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const v = head.headers.get(name);
    if (v) headers[name] = v;
  }
  head.headers.forEach((v, k) => {
    if (k.startsWith('x-amz-meta-')) headers[k] = v;
  });
  if (head.headers.get('x-amz-server-side-encryption') === 'AES256') headers['x-amz-server-side-encryption'] = 'AES256';
  const tagging = await s3.sendXml(`/${bucket}/${from}`, { query: { tagging: '' } });
  const tags = Array.from(tagging.getElementsByTagName('Tag')).map((t) => [
    t.getElementsByTagName('Key')[0]?.textContent ?? '',
    t.getElementsByTagName('Value')[0]?.textContent ?? '',
  ]);
  if (tags.length > 0) headers['x-amz-tagging'] = tags.map(([k, v]) => `${encodeURIComponent(k ?? '')}=${encodeURIComponent(v ?? '')}`).join('&');

  const path = `/${bucket}/${to}`;
  const uploadId = await s3.createUpload(bucket, to, headers);
  const etags = new Array<string>(parts.length);
  let copied = 0;
  let next = 0;
  const stop = new AbortController();
  const worker = async (): Promise<void> => {
    while (next < parts.length && !stop.signal.aborted) {
      const part = parts[next++]!;
      const res = await s3.send(path, {
        method: 'PUT',
        query: { partNumber: String(part.partNumber), uploadId },
        // If the source changes while it is copied, the parts would mix two objects: pin its ETag.
        headers: { 'x-amz-copy-source': copySource(bucket, from), 'x-amz-copy-source-range': `bytes=${part.first}-${part.last}`, 'x-amz-copy-source-if-match': etag },
        signal: stop.signal,
      });
      const text = await res.text();
      throwIfErrorBody(text);
      etags[part.partNumber - 1] = /<ETag>([^<]*)<\/ETag>/.exec(text)?.[1]?.replace(/&quot;/g, '"') ?? '';
      copied += part.last - part.first + 1;
      onProgress?.(copied, size);
    }
  };
  try {
    await Promise.all(
      Array.from({ length: Math.min(PARALLEL_COPIES, parts.length) }, () =>
        worker().catch((err: unknown) => {
          stop.abort();
          throw err;
        }),
      ),
    );
    await s3.completeUpload(bucket, to, uploadId, etags);
  } catch (err) {
    // The parts already copied are removed, and nothing appears under the new key.
    await s3.abortUpload(bucket, to, uploadId).catch(() => undefined);
    throw err;
  }
}

/** Whether anything is stored at `key`, or under it when it ends in '/'. */
export async function exists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  if (key.endsWith('/')) return (await s3.list(bucket, key, undefined, 1, '')).objects.length > 0;
  try {
    await s3.send(`/${bucket}/${key}`, { method: 'HEAD' });
    return true;
  } catch (err) {
    if (err instanceof S3Failure && err.status === 404) return false;
    throw err;
  }
}

/** Rename one object: copy, then delete the old key (which, in a versioned bucket, leaves a delete marker). */
export async function moveObject(s3: S3Client, bucket: string, from: string, to: string, size?: number, onProgress?: (copied: number, size: number) => void): Promise<void> {
  await copyObject(s3, bucket, from, to, size, onProgress);
  await s3.deleteObject(bucket, from);
}

export interface FolderMove {
  /** Objects under the old prefix. */
  total: number;
  /** Copied to the new prefix and deleted from the old one. */
  moved: number;
  /** One line per object that is not where it should be, and why; it is left at its old key. */
  failed: string[];
}

/**
 * Rename a folder: every key under `from` is copied to the same name under `to`, and each copy
 * that succeeded has its source deleted. A key whose copy failed stays where it was, so a failure
 * part-way loses nothing; `onProgress(done, total, failed)` follows the copies.
 */
export async function moveFolder(s3: S3Client, bucket: string, from: string, to: string, onProgress: (done: number, total: number, failed: number) => void): Promise<FolderMove> {
  if (to.startsWith(from)) throw new S3Failure(0, '', `${to} is inside ${from}: a folder cannot be moved into itself.`);
  // The whole listing first: copies made while listing must not be listed again.
  const objects: Array<{ key: string; size: number }> = [];
  let token: string | undefined;
  do {
    const page = await s3.list(bucket, from, token, 1000, '');
    objects.push(...page.objects.map((o) => ({ key: o.key, size: o.size })));
    token = page.nextToken;
  } while (token);
  const failed: string[] = [];
  const copied: string[] = [];
  let next = 0;
  let done = 0;
  onProgress(0, objects.length, 0);
  const worker = async (): Promise<void> => {
    while (next < objects.length) {
      const o = objects[next++]!;
      try {
        await copyObject(s3, bucket, o.key, to + o.key.slice(from.length), o.size);
        copied.push(o.key);
      } catch (err) {
        failed.push(`${o.key}: ${err instanceof S3Failure ? err.toString() : String(err)}`);
      }
      onProgress(++done, objects.length, failed.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_COPIES, objects.length) }, worker));
  let moved = copied.length;
  for (let i = 0; i < copied.length; i += 1000) {
    const refused = await s3.deleteMany(
      bucket,
      copied.slice(i, i + 1000).map((key) => ({ key })),
    );
    moved -= refused.length;
    failed.push(...refused.map((r) => `${r} (copied, but the old key could not be deleted)`));
  }
  return { total: objects.length, moved, failed };
}
