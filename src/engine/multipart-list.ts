// ListMultipartUploads and ListParts.
import { S3Error } from '../errors.js';
import type { PartRecord, UploadRecord } from '../meta/types.js';
import type { EngineDeps } from './deps.js';
import { requireUpload } from './multipart.js';
import { delimitedScan } from './delimited-scan.js';

export interface ListUploadsInput {
  bucket: string;
  prefix: string;
  delimiter: string;
  keyMarker?: string;
  uploadIdMarker?: string;
  maxUploads: number;
}

export interface ListUploadsOutput {
  uploads: UploadRecord[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

export async function listMultipartUploads(deps: EngineDeps, input: ListUploadsInput): Promise<ListUploadsOutput> {
  let keyMarker = input.keyMarker;
  // upload-id-marker means something only together with key-marker.
  let uploadIdMarker = input.keyMarker !== undefined ? input.uploadIdMarker : undefined;
  let from: string | undefined;
  const out = await delimitedScan<UploadRecord>(
    { prefix: input.prefix, delimiter: input.delimiter, max: input.maxUploads, marker: input.keyMarker },
    {
      fetch: (limit) => deps.meta.listUploads(input.bucket, { prefix: input.prefix, keyMarker, uploadIdMarker, from, limit }),
      advancePast: (row) => {
        keyMarker = row.key;
        uploadIdMarker = row.uploadId;
        from = undefined;
      },
      seek: (to) => {
        keyMarker = undefined;
        uploadIdMarker = undefined;
        from = to;
      },
    },
  );
  const last = out.last;
  return {
    uploads: out.rows,
    commonPrefixes: out.commonPrefixes,
    isTruncated: out.isTruncated,
    nextKeyMarker: out.isTruncated && last ? ('row' in last ? last.row.key : last.prefix) : undefined,
    nextUploadIdMarker: out.isTruncated && last && 'row' in last ? last.row.uploadId : undefined,
  };
}

export interface ListPartsInput {
  bucket: string;
  key: string;
  uploadId: string;
  partNumberMarker: number;
  maxParts: number;
}

export interface ListPartsOutput {
  upload: UploadRecord;
  parts: PartRecord[];
  isTruncated: boolean;
  nextPartNumberMarker?: number;
}

export async function listParts(deps: EngineDeps, input: ListPartsInput): Promise<ListPartsOutput> {
  const upload = await requireUpload(deps, input.bucket, input.key, input.uploadId);
  if (!Number.isInteger(input.partNumberMarker) || input.partNumberMarker < 0) {
    throw new S3Error('InvalidArgument', { message: 'Invalid part number marker', fields: { ArgumentName: 'part-number-marker' } });
  }
  const rows = await deps.meta.listParts(upload.uploadId, input.partNumberMarker, input.maxParts + 1);
  const parts = rows.slice(0, input.maxParts);
  const isTruncated = rows.length > input.maxParts;
  return { upload, parts, isTruncated, nextPartNumberMarker: parts.length > 0 ? parts[parts.length - 1]!.partNumber : undefined };
}
