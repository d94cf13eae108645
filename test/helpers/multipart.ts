// Multipart uploads over raw signed HTTP, plus the oracles the multipart tests check against:
// the multipart ETag and composite checksums. (The blob files on disk: files.ts.)
import { createHash } from 'node:crypto';
import { CompleteMultipartUploadCommand } from '@aws-sdk/client-s3';
import type { CompleteMultipartUploadCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { request } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { bytesRequest, encodeKey } from './bytes.js';
import type { BytesResponse } from './bytes.js';
import { queryString, rawRequest, signHeaders } from './raw.js';
import type { RawResponse } from './raw.js';

export const MiB = 1024 * 1024;
/** S3's smallest non-last part. */
export const MIN_PART = 5 * MiB;

export function objectPath(bucket: string, key: string): string {
  return `/${bucket}/${encodeKey(key)}`;
}

/**
 * The ETag S3 gives a multipart object: the MD5 of the concatenated binary part MD5s, a dash and
 * the part count, quoted. https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity-upload.html
 */
export function multipartEtag(parts: Buffer[]): string {
  const h = createHash('md5');
  for (const p of parts) h.update(createHash('md5').update(p).digest());
  return `"${h.digest('hex')}-${parts.length}"`;
}

/** A COMPOSITE checksum: the algorithm over the concatenated binary part checksums, without `-N`. */
export function compositeOf(hash: (data: Buffer) => string, partChecksums: string[]): string {
  return hash(Buffer.concat(partChecksums.map((c) => Buffer.from(c, 'base64'))));
}

/** Text of every <tag> element in a document, in order. */
export function xmlAll(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]!);
}

export function xmlOne(xml: string, tag: string): string | undefined {
  return xmlAll(xml, tag)[0];
}

export interface PartSpec {
  partNumber: number;
  etag: string;
  /** Element name (ChecksumCRC32, ...) → value. */
  checksums?: Record<string, string>;
}

export function completeXml(parts: PartSpec[]): string {
  const body = parts
    .map((p) => {
      const sums = Object.entries(p.checksums ?? {})
        .map(([k, v]) => `<${k}>${v}</${k}>`)
        .join('');
      return `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${p.etag}</ETag>${sums}</Part>`;
    })
    .join('');
  return `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${body}</CompleteMultipartUpload>`;
}

/** Raw multipart calls against one endpoint, signed by the official signer. */
export class RawMultipart {
  /** `server`: the endpoint, or something whose endpoint is read at each call (a Coffer started in a hook). */
  constructor(private readonly server: string | { readonly endpoint: string }) {}

  get endpoint(): string {
    return typeof this.server === 'string' ? this.server : this.server.endpoint;
  }

  create(bucket: string, key: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    return rawRequest(this.endpoint, { method: 'POST', path: objectPath(bucket, key), query: { uploads: '' }, headers });
  }

  /** CreateMultipartUpload that must succeed; returns the upload id. */
  async createUpload(bucket: string, key: string, headers: Record<string, string> = {}): Promise<string> {
    const r = await this.create(bucket, key, headers);
    const id = xmlOne(r.body, 'UploadId');
    if (r.status !== 200 || id === undefined) throw new Error(`CreateMultipartUpload: ${r.status} ${r.body}`);
    return id;
  }

  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number | string, body: Buffer, headers: Record<string, string> = {}): Promise<BytesResponse> {
    return bytesRequest(this.endpoint, {
      method: 'PUT',
      path: objectPath(bucket, key),
      query: { partNumber: String(partNumber), uploadId },
      headers: { 'content-length': String(body.length), ...headers },
      body,
    });
  }

  /** UploadPart that must succeed; returns the quoted ETag. */
  async putPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Buffer, headers: Record<string, string> = {}): Promise<string> {
    const r = await this.uploadPart(bucket, key, uploadId, partNumber, body, headers);
    const etag = r.headers.etag;
    if (r.status !== 200 || typeof etag !== 'string') throw new Error(`UploadPart ${partNumber}: ${r.status} ${r.body.toString()}`);
    return etag;
  }

  complete(bucket: string, key: string, uploadId: string, parts: PartSpec[] | string, headers: Record<string, string> = {}): Promise<RawResponse> {
    return rawRequest(this.endpoint, {
      method: 'POST',
      path: objectPath(bucket, key),
      query: { uploadId },
      headers,
      body: typeof parts === 'string' ? parts : completeXml(parts),
    });
  }

  abort(bucket: string, key: string, uploadId: string): Promise<RawResponse> {
    return rawRequest(this.endpoint, { method: 'DELETE', path: objectPath(bucket, key), query: { uploadId } });
  }

  listParts(bucket: string, key: string, uploadId: string, query: Record<string, string> = {}): Promise<RawResponse> {
    return rawRequest(this.endpoint, { method: 'GET', path: objectPath(bucket, key), query: { uploadId, ...query } });
  }

  listUploads(bucket: string, query: Record<string, string> = {}): Promise<RawResponse> {
    return rawRequest(this.endpoint, { method: 'GET', path: `/${bucket}`, query: { uploads: '', ...query } });
  }

  get(bucket: string, key: string, query: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<BytesResponse> {
    return bytesRequest(this.endpoint, { method: 'GET', path: objectPath(bucket, key), query, headers });
  }
}

export interface HeldUpload {
  req: ClientRequest;
  /** Send the rest of the body and resolve with the response. */
  finish(): Promise<BytesResponse>;
}

/**
 * An UploadPart whose headers and first `sent` bytes go out now, the rest only on finish(), so a
 * test can act while the part is in flight.
 */
export async function holdUploadPart(endpoint: string, bucket: string, key: string, uploadId: string, partNumber: number, body: Buffer, sent: number): Promise<HeldUpload> {
  const path = objectPath(bucket, key);
  const query = { partNumber: String(partNumber), uploadId };
  const headers = await signHeaders(endpoint, {
    method: 'PUT',
    path,
    query,
    headers: { 'content-length': String(body.length) },
    payloadHash: 'UNSIGNED-PAYLOAD',
  });
  const url = new URL(endpoint);
  const req = request({ host: url.hostname, port: url.port, method: 'PUT', path: path + queryString(query), headers, agent: false });
  const response = new Promise<BytesResponse>((resolve, reject) => {
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, code: /<Code>([^<]*)<\/Code>/.exec(b.toString())?.[1] });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  response.catch(() => undefined);
  req.write(body.subarray(0, sent));
  return {
    req,
    finish() {
      req.end(body.subarray(sent));
      return response;
    },
  };
}

/** CompleteMultipartUpload through the SDK with the parts' ETags in order, numbered from 1. */
export async function completeInOrder(
  s3: S3Client,
  bucket: string,
  key: string,
  uploadId: string | undefined,
  etags: Array<string | undefined>,
): Promise<CompleteMultipartUploadCommandOutput> {
  return s3.send(
    new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) } }),
  );
}
