// ListMultipartUploads and ListParts.
import { S3Error } from '../errors.js';
import type { PartRecord, UploadRecord } from '../meta/types.js';
import { compareKeys, prefixUpperBound } from '../meta/key-order.js';
import type { EngineDeps } from './deps.js';
import { requireUpload } from './multipart.js';

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
  const uploads: UploadRecord[] = [];
  const commonPrefixes: string[] = [];
  let keyMarker = input.keyMarker;
  // upload-id-marker means something only together with key-marker.
  let uploadIdMarker = input.keyMarker !== undefined ? input.uploadIdMarker : undefined;
  let from: string | undefined;
  const out = (isTruncated: boolean): ListUploadsOutput => {
    const lastUpload = uploads[uploads.length - 1];
    const lastPrefix = commonPrefixes[commonPrefixes.length - 1];
    const lastIsPrefix = lastPrefix !== undefined && (lastUpload === undefined || compareKeys(lastPrefix, lastUpload.key) > 0);
    return {
      uploads, commonPrefixes, isTruncated,
      nextKeyMarker: isTruncated ? (lastIsPrefix ? lastPrefix : lastUpload?.key) : undefined,
      nextUploadIdMarker: isTruncated && !lastIsPrefix ? lastUpload?.uploadId : undefined,
    };
  };
  for (;;) {
    const want = input.maxUploads - uploads.length - commonPrefixes.length;
    const rows = await deps.meta.listUploads(input.bucket, { prefix: input.prefix, keyMarker, uploadIdMarker, from, limit: Math.min(want + 1, 1000) });
    if (rows.length === 0) return out(false);
    let seek: string | undefined;
    for (const row of rows) {
      let cp: string | undefined;
      if (input.delimiter !== '') {
        const i = row.key.indexOf(input.delimiter, input.prefix.length);
        if (i >= 0) cp = row.key.slice(0, i + input.delimiter.length);
      }
      if (cp !== undefined && cp === input.keyMarker) {
        seek = cp;
        break;
      }
      if (uploads.length + commonPrefixes.length === input.maxUploads) return out(true);
      if (cp !== undefined) {
        commonPrefixes.push(cp);
        seek = cp;
        break;
      }
      uploads.push(row);
      keyMarker = row.key;
      uploadIdMarker = row.uploadId;
      from = undefined;
    }
    if (seek !== undefined) {
      const next = prefixUpperBound(seek);
      if (next === undefined) return out(false);
      keyMarker = undefined;
      uploadIdMarker = undefined;
      from = next;
      continue;
    }
    if (rows.length < Math.min(want + 1, 1000)) return out(false);
  }
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
