// Multipart upload handlers: Create, UploadPart(Copy), Complete, Abort, ListMultipartUploads, ListParts.
import { parseAclHeaders } from './acl-input.js';
import { authorizeNewAcl } from './authorize.js';
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { header } from '../http/context.js';
import { CHECKSUM_ALGORITHMS, checksumHeaderName, isValidChecksumValue, parseChecksumAlgorithm, splitPartCount } from '../checksums/index.js';
import type { ChecksumAlgorithm } from '../checksums/index.js';
import type { ChecksumType } from '../engine/records.js';
import type { CompletedPart } from '../engine/multipart.js';
import type { RangeSpec } from '../engine/object-read.js';
import { frameBody, readWholeBody } from '../http/body.js';
import {
  parseChecksumRequest,
  parseContentHeaders,
  parseObjectLockHeaders,
  parseContentMd5,
  parseReadConditions,
  parseStorageClass,
  parseUserMetadata,
  parseWriteConditions,
  refuseUnsupportedHeaders,
} from './object-headers.js';
import { quoteEtag } from './object-put.js';
import { parseCopySource } from './copy-source.js';
import { parseTaggingHeaderOf } from './tagging-input.js';
import { parseSseCustomer, parseSseRequest, sseResponseHeaders } from './sse-headers.js';
import { encoder, ownerOf, parseMaxKeys, percentEncodeName } from './list.js';
import { isoDate, parseXml, renderXml, textOf } from './xml.js';
import type { XmlObject } from './xml.js';

function parsePartNumberParam(ctx: RequestContext): number {
  const v = ctx.query.get('partNumber') ?? '';
  if (!/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > 10000) {
    throw new S3Error('InvalidArgument', { message: 'Part number must be an integer between 1 and 10000, inclusive', fields: { ArgumentName: 'partNumber', ArgumentValue: v } });
  }
  return Number(v);
}

function parseChecksumType(ctx: RequestContext): ChecksumType | undefined {
  const v = header(ctx, 'x-amz-checksum-type')?.toUpperCase();
  if (v !== undefined && v !== 'FULL_OBJECT' && v !== 'COMPOSITE') {
    throw new S3Error('InvalidRequest', { message: 'Value for x-amz-checksum-type header is invalid.' });
  }
  return v;
}

function uploadIdParam(ctx: RequestContext): string {
  return ctx.query.get('uploadId') ?? '';
}

export async function createMultipartUpload(ctx: RequestContext): Promise<S3Result> {
  const h = ctx.req.headers;
  refuseUnsupportedHeaders(h);
  const algHeader = header(ctx, 'x-amz-checksum-algorithm');
  let checksumAlgorithm: ChecksumAlgorithm | undefined;
  if (algHeader !== undefined) {
    checksumAlgorithm = parseChecksumAlgorithm(algHeader);
    if (!checksumAlgorithm)
      throw new S3Error('InvalidRequest', {
        message: 'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]',
      });
  }
  const checksumType = parseChecksumType(ctx);
  const acl = parseAclHeaders(h);
  await authorizeNewAcl(ctx, ctx.bucket!, acl);
  const upload = await ctx.engine.createMultipartUpload({
    bucket: ctx.bucket!,
    key: ctx.key!,
    ownerId: ctx.user?.id,
    acl,
    contentHeaders: parseContentHeaders(h),
    userMetadata: parseUserMetadata(h),
    storageClass: parseStorageClass(h),
    checksumAlgorithm,
    checksumType,
    conditions: parseWriteConditions(h),
    tags: parseTaggingHeaderOf(h, ctx.auth?.presigned ? ctx.query : undefined),
    sse: parseSseRequest(h, ctx.secure),
    lock: parseObjectLockHeaders(h),
  });
  return {
    status: 200,
    headers: {
      'x-amz-checksum-algorithm': upload.checksumAlgorithm ?? undefined,
      'x-amz-checksum-type': upload.checksumType ?? undefined,
      ...sseResponseHeaders(upload.encryption, true),
    },
    body: renderXml('InitiateMultipartUploadResult', { Bucket: ctx.bucket!, Key: ctx.key!, UploadId: upload.uploadId }),
  };
}

export async function uploadPart(ctx: RequestContext): Promise<S3Result> {
  const h = ctx.req.headers;
  const partNumber = parsePartNumberParam(ctx);
  const contentMd5 = parseContentMd5(h);
  const checksum = parseChecksumRequest(h);
  // A part takes only the SSE-C headers (its upload's key); x-amz-server-side-encryption and its
  // KMS headers are the upload's, decided at CreateMultipartUpload, and are not read here.
  const sseCustomer = parseSseCustomer(h, ctx.secure);
  const { body, chunked } = frameBody(ctx);
  const algorithm = checksum.algorithm;
  const out = await ctx.engine.uploadPart({
    bucket: ctx.bucket!,
    key: ctx.key!,
    uploadId: uploadIdParam(ctx),
    partNumber,
    sseCustomer,
    body: {
      ...body,
      contentMd5,
      checksumAlgorithm: algorithm,
      checksumValue: checksum.value,
      trailerChecksum: algorithm && chunked ? () => chunked.trailers[checksumHeaderName(algorithm)] : undefined,
    },
  });
  const alg = out.checksumAlgorithm;
  return {
    status: 200,
    headers: { ETag: quoteEtag(out.etag), ...(alg ? { [checksumHeaderName(alg)]: out.checksums[alg] } : {}), ...sseResponseHeaders(out.encryption) },
  };
}

/** x-amz-copy-source-range: `bytes=first-last`, both required. */
export function parseCopySourceRange(value: string | undefined): RangeSpec | undefined {
  if (value === undefined) return undefined;
  const m = /^bytes=(\d+)-(\d+)$/.exec(value.trim());
  if (!m || Number(m[2]) < Number(m[1])) {
    throw new S3Error('InvalidArgument', {
      message: 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
      fields: { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: value },
    });
  }
  return { start: Number(m[1]), end: Number(m[2]) };
}

export async function uploadPartCopy(ctx: RequestContext): Promise<S3Result> {
  const partNumber = parsePartNumberParam(ctx);
  // The caller's right to read the source was asked of the authorizer before this handler ran.
  const source = parseCopySource(header(ctx, 'x-amz-copy-source')!);
  const out = await ctx.engine.uploadPartCopy({
    bucket: ctx.bucket!,
    key: ctx.key!,
    uploadId: uploadIdParam(ctx),
    partNumber,
    source,
    sourceRange: parseCopySourceRange(header(ctx, 'x-amz-copy-source-range')),
    sourceConditions: parseReadConditions(ctx.req.headers, 'x-amz-copy-source-'),
    signal: ctx.signal,
    sseCustomer: parseSseCustomer(ctx.req.headers, ctx.secure),
    sourceCustomer: parseSseCustomer(ctx.req.headers, ctx.secure, 'x-amz-copy-source-'),
  });
  const alg = out.checksumAlgorithm;
  return {
    status: 200,
    headers: { 'x-amz-copy-source-version-id': out.sourceVersionId, ...sseResponseHeaders(out.encryption) },
    body: renderXml('CopyPartResult', {
      ETag: quoteEtag(out.etag),
      LastModified: isoDate(out.lastModified),
      ...(alg ? { [`Checksum${alg}`]: out.checksums[alg] } : {}),
    }),
  };
}

/** A Complete body lists up to 10,000 parts: S3 takes more than the usual 1 MiB for it. */
const MAX_COMPLETE_BODY_BYTES = 10 * 1024 * 1024;

/** The parts a CompleteMultipartUpload body lists, or MalformedXML. */
export function parseCompleteMultipartUploadDocument(text: string): CompletedPart[] {
  // A Complete without a body is MalformedXML on S3, not MissingRequestBodyError (s3-tests
  // test_multipart_upload_empty).
  if (text.trim() === '') throw new S3Error('MalformedXML');
  const doc = parseXml(text, new Set(['Part']));
  const root = doc.CompleteMultipartUpload;
  if (root === undefined || typeof root !== 'object' || root === null) throw new S3Error('MalformedXML');
  const rawParts = ((root as Record<string, unknown>).Part ?? []) as unknown[];
  return rawParts.map((p) => {
    const num = textOf(p, 'PartNumber')?.trim() ?? '';
    const etag = textOf(p, 'ETag')?.trim();
    if (!/^\d{1,5}$/.test(num) || etag === undefined) throw new S3Error('MalformedXML');
    const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
    for (const alg of CHECKSUM_ALGORITHMS) {
      const v = textOf(p, `Checksum${alg}`)?.trim();
      if (v !== undefined) checksums[alg] = v;
    }
    return { partNumber: Number(num), etag, checksums };
  });
}

export async function completeMultipartUpload(ctx: RequestContext): Promise<S3Result> {
  const { text } = await readWholeBody(ctx, MAX_COMPLETE_BODY_BYTES, false);
  const parts = parseCompleteMultipartUploadDocument(text);
  let checksum: { algorithm: ChecksumAlgorithm; value: string } | undefined;
  for (const alg of CHECKSUM_ALGORITHMS) {
    const v = header(ctx, checksumHeaderName(alg));
    if (v !== undefined) {
      // A COMPOSITE checksum may come back with the "-N" S3 gave it.
      if (!isValidChecksumValue(alg, splitPartCount(v).checksum)) throw new S3Error('InvalidRequest', { message: `Value for ${checksumHeaderName(alg)} header is invalid.` });
      checksum = { algorithm: alg, value: v };
    }
  }
  const out = await ctx.engine.completeMultipartUpload({
    bucket: ctx.bucket!,
    key: ctx.key!,
    uploadId: uploadIdParam(ctx),
    parts,
    conditions: parseWriteConditions(ctx.req.headers),
    checksum,
    checksumType: parseChecksumType(ctx),
    sseCustomer: parseSseCustomer(ctx.req.headers, ctx.secure),
  });
  const host = header(ctx, 'host') ?? 'localhost';
  const scheme = ctx.secure ? 'https' : 'http';
  return {
    status: 200,
    headers: { 'x-amz-version-id': out.versionId, ...sseResponseHeaders(out.encryption) },
    body: renderXml('CompleteMultipartUploadResult', {
      Location: `${scheme}://${host}/${encodeURIComponent(ctx.bucket!)}/${percentEncodeName(ctx.key!)}`,
      Bucket: ctx.bucket!,
      Key: ctx.key!,
      ETag: quoteEtag(out.etag),
      [`Checksum${out.checksumAlgorithm}`]: out.checksums[out.checksumAlgorithm],
      ChecksumType: out.checksumType,
    }),
  };
}

export async function abortMultipartUpload(ctx: RequestContext): Promise<S3Result> {
  await ctx.engine.abortMultipartUpload(ctx.bucket!, ctx.key!, uploadIdParam(ctx));
  return { status: 204 };
}

export async function listMultipartUploads(ctx: RequestContext): Promise<S3Result> {
  const enc = encoder(ctx);
  const prefix = ctx.query.get('prefix') ?? '';
  const delimiter = ctx.query.get('delimiter') ?? '';
  const keyMarker = ctx.query.get('key-marker') ?? undefined;
  const uploadIdMarker = ctx.query.get('upload-id-marker') ?? undefined;
  const maxUploads = parseMaxKeys(ctx.query.get('max-uploads'), 'max-uploads');
  const out = await ctx.engine.listMultipartUploads({
    bucket: ctx.bucket!,
    prefix,
    delimiter,
    keyMarker: keyMarker || undefined,
    uploadIdMarker: uploadIdMarker || undefined,
    maxUploads,
  });
  const owners = new Map<string, XmlObject>();
  const uploads: XmlObject[] = [];
  for (const u of out.uploads) {
    const o = await ownerOf(ctx, owners, u.ownerId);
    uploads.push({
      Key: enc(u.key),
      UploadId: u.uploadId,
      Initiator: o,
      Owner: o,
      StorageClass: u.storageClass,
      Initiated: isoDate(u.initiated),
      ChecksumAlgorithm: u.checksumAlgorithm ?? undefined,
      ChecksumType: u.checksumType ?? undefined,
    });
  }
  return {
    status: 200,
    body: renderXml('ListMultipartUploadsResult', {
      Bucket: ctx.bucket!,
      KeyMarker: enc(keyMarker ?? ''),
      UploadIdMarker: uploadIdMarker ?? '',
      NextKeyMarker: out.nextKeyMarker !== undefined ? enc(out.nextKeyMarker) : undefined,
      NextUploadIdMarker: out.nextUploadIdMarker,
      Delimiter: delimiter !== '' ? enc(delimiter) : undefined,
      Prefix: enc(prefix),
      EncodingType: ctx.query.has('encoding-type') ? 'url' : undefined,
      MaxUploads: maxUploads,
      IsTruncated: out.isTruncated,
      Upload: uploads,
      CommonPrefixes: out.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
    }),
  };
}

export async function listParts(ctx: RequestContext): Promise<S3Result> {
  const markerText = ctx.query.get('part-number-marker') ?? '0';
  if (!/^\d+$/.test(markerText))
    throw new S3Error('InvalidArgument', { message: 'Argument part-number-marker must be an integer between 0 and 2147483647', fields: { ArgumentName: 'part-number-marker' } });
  const maxParts = parseMaxKeys(ctx.query.get('max-parts'), 'max-parts');
  const out = await ctx.engine.listParts({ bucket: ctx.bucket!, key: ctx.key!, uploadId: uploadIdParam(ctx), partNumberMarker: Number(markerText), maxParts });
  const o = await ownerOf(ctx, new Map(), out.upload.ownerId);
  return {
    status: 200,
    body: renderXml('ListPartsResult', {
      Bucket: ctx.bucket!,
      Key: ctx.key!,
      UploadId: out.upload.uploadId,
      Initiator: o,
      Owner: o,
      StorageClass: out.upload.storageClass,
      PartNumberMarker: Number(markerText),
      NextPartNumberMarker: out.nextPartNumberMarker,
      MaxParts: maxParts,
      IsTruncated: out.isTruncated,
      ChecksumAlgorithm: out.upload.checksumAlgorithm ?? undefined,
      ChecksumType: out.upload.checksumType ?? undefined,
      Part: out.parts.map((p) => ({
        PartNumber: p.partNumber,
        LastModified: isoDate(p.lastModified),
        ETag: quoteEtag(p.etag),
        Size: p.size,
        ...(out.upload.checksumAlgorithm ? { [`Checksum${out.upload.checksumAlgorithm}`]: p.checksums[out.upload.checksumAlgorithm] } : {}),
      })),
    }),
  };
}
