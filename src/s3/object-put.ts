// PutObject and CopyObject handlers: headers → typed input → engine → response headers.
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { header } from '../http/context.js';
import { checksumHeaderName, parseChecksumAlgorithm } from '../checksums/index.js';
import type { ChecksumAlgorithm } from '../checksums/index.js';
import type { PutObjectOutput } from '../engine/object-write.js';
import { frameBody } from '../http/body.js';
import { parseCopySource } from './copy-source.js';
import {
  parseChecksumRequest,
  parseContentHeaders,
  parseContentMd5,
  parseObjectLockHeaders,
  parseReadConditions,
  parseStorageClass,
  parseUserMetadata,
  parseWriteConditions,
  refuseUnsupportedHeaders,
} from './object-headers.js';
import { parseTaggingDirective, parseTaggingHeaderOf } from './tagging-input.js';
import { parseSseCustomer, parseSseRequest, sseResponseHeaders } from './sse-headers.js';
import { isoDate, renderXml } from './xml.js';
import { parseAclHeaders } from './acl-input.js';
import { authorizeNewAcl } from './authorize.js';

export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

export function checksumResponseHeaders(algorithm: string | undefined, values: Record<string, string | undefined>, type = 'FULL_OBJECT'): Record<string, string | undefined> {
  const alg = parseChecksumAlgorithm(algorithm ?? '') ?? 'CRC64NVME';
  const value = values[alg];
  if (value === undefined) return {};
  return { [checksumHeaderName(alg)]: value, 'x-amz-checksum-type': type };
}

function putHeaders(out: PutObjectOutput): Record<string, string | undefined> {
  return {
    ETag: quoteEtag(out.etag),
    'x-amz-version-id': out.versionId,
    ...checksumResponseHeaders(out.checksumAlgorithm, out.checksums),
    ...sseResponseHeaders(out.encryption, true),
  };
}

export async function putObject(ctx: RequestContext): Promise<S3Result> {
  const h = ctx.req.headers;
  refuseUnsupportedHeaders(h);
  const contentMd5 = parseContentMd5(h);
  const checksum = parseChecksumRequest(h);
  const userMetadata = parseUserMetadata(h);
  const contentHeaders = parseContentHeaders(h);
  const storageClass = parseStorageClass(h);
  const conditions = parseWriteConditions(h);
  const tags = parseTaggingHeaderOf(h, ctx.auth?.presigned ? ctx.query : undefined);
  const acl = parseAclHeaders(h);
  await authorizeNewAcl(ctx, ctx.bucket!, acl);
  const sse = parseSseRequest(h, ctx.secure);
  const lock = parseObjectLockHeaders(h);
  // EntityTooLarge is decided from the announced size, before a byte is read.
  const announced = Number(header(ctx, 'x-amz-decoded-content-length') ?? header(ctx, 'content-length') ?? 0);
  if (announced > ctx.config.maxObjectSizeBytes) {
    throw new S3Error('EntityTooLarge', { fields: { ProposedSize: announced, MaxSizeAllowed: ctx.config.maxObjectSizeBytes } });
  }
  const { body, chunked } = frameBody(ctx);
  if (checksum.viaTrailer && !chunked) {
    throw new S3Error('InvalidRequest', { message: 'x-amz-trailer is only allowed with an aws-chunked request body.' });
  }
  const algorithm = checksum.algorithm;
  const out = await ctx.engine.putObject({
    bucket: ctx.bucket!,
    key: ctx.key!,
    ownerId: ctx.user?.id,
    acl,
    contentHeaders,
    userMetadata,
    storageClass,
    conditions,
    tags,
    sse,
    lock,
    body: {
      ...body,
      contentMd5,
      checksumAlgorithm: algorithm,
      checksumValue: checksum.value,
      trailerChecksum: algorithm && chunked ? () => chunked.trailers[checksumHeaderName(algorithm)] : undefined,
    },
  });
  return { status: 200, headers: putHeaders(out) };
}

export async function copyObject(ctx: RequestContext): Promise<S3Result> {
  const h = ctx.req.headers;
  refuseUnsupportedHeaders(h);
  // The caller's right to read the source was asked of the authorizer before this handler ran.
  const source = parseCopySource(header(ctx, 'x-amz-copy-source')!);
  const directive = (header(ctx, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw new S3Error('InvalidArgument', { message: 'Unknown metadata directive.', fields: { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: directive } });
  }
  // x-amz-tagging is read with REPLACE only: "If you choose COPY for the x-amz-tagging-directive,
  // you don't need to set the x-amz-tagging header, because the tag-set will be copied from the
  // source object directly." https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
  const taggingDirective = parseTaggingDirective(h);
  const tags = taggingDirective === 'REPLACE' ? parseTaggingHeaderOf(h, ctx.auth?.presigned ? ctx.query : undefined) : undefined;
  const acl = parseAclHeaders(h);
  await authorizeNewAcl(ctx, ctx.bucket!, acl);
  const algHeader = header(ctx, 'x-amz-checksum-algorithm');
  let checksumAlgorithm: ChecksumAlgorithm | undefined;
  if (algHeader !== undefined) {
    checksumAlgorithm = parseChecksumAlgorithm(algHeader);
    if (!checksumAlgorithm) throw new S3Error('InvalidRequest', { message: 'Value for x-amz-checksum-algorithm header is invalid.' });
  }
  const out = await ctx.engine.copyObject({
    bucket: ctx.bucket!,
    key: ctx.key!,
    ownerId: ctx.user?.id,
    acl,
    source,
    sourceConditions: parseReadConditions(h, 'x-amz-copy-source-'),
    conditions: parseWriteConditions(h),
    metadataDirective: directive,
    attributes: { contentHeaders: parseContentHeaders(h), userMetadata: parseUserMetadata(h), storageClass: parseStorageClass(h) },
    taggingDirective,
    tags,
    storageClassChanged: header(ctx, 'x-amz-storage-class') !== undefined,
    checksumAlgorithm,
    lock: parseObjectLockHeaders(h),
    signal: ctx.signal,
    sse: parseSseRequest(h, ctx.secure),
    sourceCustomer: parseSseCustomer(h, ctx.secure, 'x-amz-copy-source-'),
  });
  const checksumEl = parseChecksumAlgorithm(out.checksumAlgorithm ?? '') ?? 'CRC64NVME';
  const body = renderXml('CopyObjectResult', {
    ETag: quoteEtag(out.etag),
    LastModified: isoDate(out.lastModified),
    ChecksumType: out.checksumAlgorithm ? 'FULL_OBJECT' : undefined,
    [`Checksum${checksumEl}`]: out.checksumAlgorithm ? out.checksums[checksumEl] : undefined,
  });
  return {
    status: 200,
    headers: { 'x-amz-version-id': out.versionId, 'x-amz-copy-source-version-id': out.sourceVersionId, ...sseResponseHeaders(out.encryption, true) },
    body,
  };
}
