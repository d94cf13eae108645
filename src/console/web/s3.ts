// The console's S3 and admin client: each request signed in the page (sigv4.ts) and sent to the
// page's own origin, path-style. Errors carry S3's code and message, never a stack.
import { EMPTY_SHA256, UNSIGNED_PAYLOAD, encodePath, canonicalQuery, presignQuery, sha256Base64, sha256Hex, signRequest } from './sigv4.js';
import type { Credentials } from './sigv4.js';

export class S3Failure extends Error {
  /** The answer's Date header, in ms since the epoch, where there was one. */
  serverDate?: number;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  override toString(): string {
    return this.code ? `${this.code}: ${this.message}` : this.message;
  }
}

export interface Session extends Credentials {
  region: string;
  /** How far the server's clock is ahead of this browser's, learnt from a RequestTimeTooSkewed answer. */
  clockOffsetMs?: number;
}

/** Skew S3 tolerates before RequestTimeTooSkewed: 15 minutes. */
const MAX_SKEW_MS = 15 * 60 * 1000;

export interface BucketEntry {
  name: string;
  created: string;
}

export interface ObjectEntry {
  key: string;
  size: number;
  lastModified: string;
  etag: string;
}

export interface Listing {
  prefixes: string[];
  objects: ObjectEntry[];
  nextToken?: string;
}

export interface ObjectDetails {
  size: number;
  etag: string;
  contentType: string;
  lastModified: string;
  versionId?: string;
  metadata: Record<string, string>;
  tags: Record<string, string>;
  versions?: Array<{ versionId: string; size: number; lastModified: string; isLatest: boolean; deleteMarker: boolean }>;
}

const STATUS_TEXT: Record<number, string> = { 403: 'Access Denied', 404: 'Not Found', 409: 'Conflict', 412: 'Precondition Failed', 503: 'Service Unavailable' };

function xml(text: string): Document {
  return new DOMParser().parseFromString(text, 'application/xml');
}

function childText(el: Element | Document, name: string): string {
  for (const c of Array.from(el.childNodes)) if (c.nodeType === 1 && (c as Element).localName === name) return c.textContent ?? '';
  return '';
}

function children(el: Element | Document, name: string): Element[] {
  return Array.from(el.childNodes).filter((c): c is Element => c.nodeType === 1 && (c as Element).localName === name);
}

function root(doc: Document): Element {
  return doc.documentElement;
}

/** S3's <Error> body (or the admin API's {error, code}) as an S3Failure. */
export async function failureOf(res: Response): Promise<S3Failure> {
  const failure = await failureFromBody(res);
  const date = Date.parse(res.headers.get('date') ?? '');
  if (Number.isFinite(date)) failure.serverDate = date;
  return failure;
}

async function failureFromBody(res: Response): Promise<S3Failure> {
  const text = await res.text().catch(() => '');
  if (text.startsWith('{')) {
    try {
      const j = JSON.parse(text) as { error?: string; code?: string };
      return new S3Failure(res.status, j.code ?? '', j.error ?? text);
    } catch {
      // not JSON after all: fall through
    }
  }
  if (text.includes('<Error>')) {
    const doc = xml(text);
    const code = childText(root(doc), 'Code');
    const message = childText(root(doc), 'Message');
    if (code) return new S3Failure(res.status, code, message || code);
  }
  return new S3Failure(res.status, '', `${res.status} ${STATUS_TEXT[res.status] ?? res.statusText ?? 'error'}`);
}

/** CopyObject, UploadPartCopy and CompleteMultipartUpload may answer 200 with an <Error> body. */
export function throwIfErrorBody(text: string): void {
  if (!text.includes('<Error>')) return;
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? 'InternalError';
  throw new S3Failure(200, code, /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? code);
}

export interface RequestOptions {
  method?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Add x-amz-checksum-sha256, for operations that require an integrity check of the body. */
  checksum?: boolean;
  signal?: AbortSignal;
}

export class S3Client {
  constructor(readonly session: Session) {}

  get host(): string {
    return location.host;
  }

  /** Now, by the server's clock as far as it is known. */
  private now(): Date {
    return new Date(Date.now() + (this.session.clockOffsetMs ?? 0));
  }

  /**
   * A signed fetch; throws S3Failure when the answer is not 2xx. A browser whose clock is off by
   * more than S3 allows learns the server's time from the refusal's Date header and signs again.
   */
  async send(path: string, opts: RequestOptions = {}): Promise<Response> {
    try {
      return await this.sendOnce(path, opts);
    } catch (err) {
      if (!(err instanceof S3Failure) || err.code !== 'RequestTimeTooSkewed' || err.serverDate === undefined) throw err;
      const offset = err.serverDate - Date.now();
      if (Math.abs(offset - (this.session.clockOffsetMs ?? 0)) < MAX_SKEW_MS / 2) throw err;
      this.session.clockOffsetMs = offset;
      return this.sendOnce(path, opts);
    }
  }

  private async sendOnce(path: string, opts: RequestOptions): Promise<Response> {
    const method = opts.method ?? 'GET';
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body && opts.checksum) {
      headers['x-amz-sdk-checksum-algorithm'] = 'SHA256';
      headers['x-amz-checksum-sha256'] = await sha256Base64(opts.body);
    }
    const payloadHash = opts.body ? await sha256Hex(opts.body) : EMPTY_SHA256;
    const signed = await signRequest(this.session, { method, path, query: opts.query, headers, host: this.host, region: this.session.region, payloadHash, now: this.now() });
    const qs = opts.query ? canonicalQuery(opts.query) : '';
    let res: Response;
    try {
      res = await fetch(encodePath(path) + (qs ? `?${qs}` : ''), {
        method,
        headers: signed,
        body: opts.body as Uint8Array<ArrayBuffer> | undefined,
        signal: opts.signal,
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new S3Failure(0, 'NetworkError', 'The server could not be reached.');
    }
    if (!res.ok) throw await failureOf(res);
    return res;
  }

  async sendXml(path: string, opts: RequestOptions = {}): Promise<Element> {
    const res = await this.send(path, opts);
    return root(xml(await res.text()));
  }

  /** Sign a request for XMLHttpRequest (uploads, for their progress events). */
  signForUpload(method: string, path: string, query: Record<string, string>, headers: Record<string, string>): Promise<Record<string, string>> {
    return signRequest(this.session, { method, path, query, headers, host: this.host, region: this.session.region, payloadHash: UNSIGNED_PAYLOAD, now: this.now() });
  }

  async presign(path: string, expiresSeconds: number, query: Record<string, string> = {}): Promise<string> {
    const qs = await presignQuery(this.session, { method: 'GET', path, query, host: this.host, region: this.session.region, now: this.now() }, expiresSeconds);
    return `${location.origin}${encodePath(path)}?${qs}`;
  }

  async listBuckets(): Promise<BucketEntry[]> {
    const r = await this.sendXml('/');
    const list = children(r, 'Buckets')[0];
    return list ? children(list, 'Bucket').map((b) => ({ name: childText(b, 'Name'), created: childText(b, 'CreationDate') })) : [];
  }

  async createBucket(name: string, opts: { objectLock: boolean; versioning: boolean }): Promise<void> {
    const headers: Record<string, string> = {};
    if (opts.objectLock) headers['x-amz-bucket-object-lock-enabled'] = 'true';
    await this.send(`/${name}`, { method: 'PUT', headers });
    if (opts.versioning && !opts.objectLock) {
      try {
        await this.putVersioning(name, 'Enabled');
      } catch (err) {
        if (err instanceof S3Failure) throw new S3Failure(err.status, err.code, `The bucket was created, but versioning could not be turned on: ${err.message}`);
        throw err;
      }
    }
  }

  async putVersioning(bucket: string, status: 'Enabled' | 'Suspended'): Promise<void> {
    const body = new TextEncoder().encode(`<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>${status}</Status></VersioningConfiguration>`);
    await this.send(`/${bucket}`, { method: 'PUT', query: { versioning: '' }, body, checksum: true });
  }

  /** 'Enabled', 'Suspended', or '' for a bucket that never had versioning. */
  async getVersioning(bucket: string): Promise<string> {
    return childText(await this.sendXml(`/${bucket}`, { query: { versioning: '' } }), 'Status');
  }

  async deleteBucket(name: string): Promise<void> {
    await this.send(`/${name}`, { method: 'DELETE' });
  }

  async list(bucket: string, prefix: string, token?: string, maxKeys = 200, delimiter = '/'): Promise<Listing> {
    const query: Record<string, string> = { 'list-type': '2', prefix, 'max-keys': String(maxKeys) };
    if (delimiter) query.delimiter = delimiter;
    if (token) query['continuation-token'] = token;
    const r = await this.sendXml(`/${bucket}`, { query });
    return {
      prefixes: children(r, 'CommonPrefixes').map((p) => childText(p, 'Prefix')),
      objects: children(r, 'Contents').map((c) => ({
        key: childText(c, 'Key'),
        size: Number(childText(c, 'Size')),
        lastModified: childText(c, 'LastModified'),
        etag: childText(c, 'ETag'),
      })),
      nextToken: childText(r, 'IsTruncated') === 'true' ? childText(r, 'NextContinuationToken') || undefined : undefined,
    };
  }

  async listVersionsPage(
    bucket: string,
    prefix: string,
    marker?: { key: string; versionId: string },
  ): Promise<{
    entries: Array<{ key: string; versionId: string; size: number; lastModified: string; isLatest: boolean; deleteMarker: boolean }>;
    next?: { key: string; versionId: string };
  }> {
    const query: Record<string, string> = { versions: '', prefix, 'max-keys': '1000' };
    if (marker) {
      query['key-marker'] = marker.key;
      query['version-id-marker'] = marker.versionId;
    }
    const r = await this.sendXml(`/${bucket}`, { query });
    const entries = Array.from(r.children)
      .filter((e) => e.localName === 'Version' || e.localName === 'DeleteMarker')
      .map((e) => ({
        key: childText(e, 'Key'),
        versionId: childText(e, 'VersionId'),
        size: Number(childText(e, 'Size') || 0),
        lastModified: childText(e, 'LastModified'),
        isLatest: childText(e, 'IsLatest') === 'true',
        deleteMarker: e.localName === 'DeleteMarker',
      }));
    const truncated = childText(r, 'IsTruncated') === 'true';
    return { entries, next: truncated ? { key: childText(r, 'NextKeyMarker'), versionId: childText(r, 'NextVersionIdMarker') } : undefined };
  }

  async details(bucket: string, key: string, versioned: boolean): Promise<ObjectDetails> {
    const res = await this.send(`/${bucket}/${key}`, { method: 'HEAD' });
    const metadata: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      if (k.startsWith('x-amz-meta-')) metadata[k.slice('x-amz-meta-'.length)] = v;
    });
    const tags: Record<string, string> = {};
    const tagging = await this.sendXml(`/${bucket}/${key}`, { query: { tagging: '' } }).catch(() => undefined);
    for (const set of tagging ? children(tagging, 'TagSet') : []) for (const t of children(set, 'Tag')) tags[childText(t, 'Key')] = childText(t, 'Value');
    const out: ObjectDetails = {
      size: Number(res.headers.get('content-length') ?? 0),
      etag: res.headers.get('etag') ?? '',
      contentType: res.headers.get('content-type') ?? '',
      lastModified: res.headers.get('last-modified') ?? '',
      versionId: res.headers.get('x-amz-version-id') ?? undefined,
      metadata,
      tags,
    };
    if (versioned) {
      const page = await this.listVersionsPage(bucket, key);
      out.versions = page.entries.filter((e) => e.key === key);
    }
    return out;
  }

  /** DeleteObjects, up to 1000 keys (with version ids where given); returns the keys S3 refused. */
  async deleteMany(bucket: string, objects: Array<{ key: string; versionId?: string }>): Promise<string[]> {
    const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const items = objects.map((o) => `<Object><Key>${esc(o.key)}</Key>${o.versionId ? `<VersionId>${esc(o.versionId)}</VersionId>` : ''}</Object>`).join('');
    const body = new TextEncoder().encode(`<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>${items}</Delete>`);
    const r = await this.sendXml(`/${bucket}`, { method: 'POST', query: { delete: '' }, body, checksum: true });
    return children(r, 'Error').map((e) => `${childText(e, 'Key')}: ${childText(e, 'Code')} ${childText(e, 'Message')}`);
  }

  /** Without a version id, a versioned bucket gets a delete marker; with one, that version is removed for good. */
  async deleteObject(bucket: string, key: string, versionId?: string): Promise<void> {
    await this.send(`/${bucket}/${key}`, { method: 'DELETE', query: versionId ? { versionId } : undefined });
  }

  async putEmpty(bucket: string, key: string): Promise<void> {
    await this.send(`/${bucket}/${key}`, { method: 'PUT', body: new Uint8Array(0) });
  }

  async listUploads(bucket: string): Promise<Array<{ key: string; uploadId: string }>> {
    const r = await this.sendXml(`/${bucket}`, { query: { uploads: '' } });
    return children(r, 'Upload').map((u) => ({ key: childText(u, 'Key'), uploadId: childText(u, 'UploadId') }));
  }

  /** CreateMultipartUpload; returns its UploadId. */
  async createUpload(bucket: string, key: string, headers: Record<string, string>, signal?: AbortSignal): Promise<string> {
    const created = await this.sendXml(`/${bucket}/${key}`, { method: 'POST', query: { uploads: '' }, headers, signal });
    const uploadId = created.getElementsByTagName('UploadId')[0]?.textContent ?? '';
    if (!uploadId) throw new S3Failure(500, 'InternalError', 'CreateMultipartUpload returned no UploadId.');
    return uploadId;
  }

  /** CompleteMultipartUpload of parts 1 to n, `etags[i]` being part i + 1's. */
  async completeUpload(bucket: string, key: string, uploadId: string, etags: string[], signal?: AbortSignal): Promise<void> {
    const xmlParts = etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</ETag></Part>`).join('');
    const body = new TextEncoder().encode(`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${xmlParts}</CompleteMultipartUpload>`);
    const res = await this.send(`/${bucket}/${key}`, { method: 'POST', query: { uploadId }, body, signal });
    throwIfErrorBody(await res.text());
  }

  async abortUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    await this.send(`/${bucket}/${key}`, { method: 'DELETE', query: { uploadId } });
  }

  /** A JSON admin API call under /_coffer/admin/v1/, signed like any S3 request. */
  async admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    const bytes = body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(body));
    const res = await this.send(`/_coffer/admin/v1/${path}`, { method, body: bytes, headers: bytes ? { 'content-type': 'application/json' } : {} });
    const text = await res.text();
    return (text ? JSON.parse(text) : {}) as T;
  }
}
