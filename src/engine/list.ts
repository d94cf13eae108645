// ListObjects (v1) and ListObjectsV2 over an index range scan. With a delimiter, each common
// prefix is skipped with one seek to the first key after it, never by walking the keys under it.
import { S3Error } from '../errors.js';
import type { ObjectRecord } from '../meta/types.js';
import { prefixUpperBound } from '../meta/key-order.js';
import type { EngineDeps } from './deps.js';

export interface ListObjectsInput {
  bucket: string;
  prefix: string;
  delimiter: string;
  maxKeys: number;
  /** Exclusive lower bound: marker (v1), start-after or the decoded continuation token (v2). */
  after?: string;
}

export interface ListObjectsOutput {
  objects: ObjectRecord[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned: NextMarker / the next continuation token. */
  last?: string;
}

const SCAN_BATCH = 1000;
/** With a delimiter, read few rows at a time: after a common prefix the rest of a batch is waste. */
const DELIMITED_FIRST_BATCH = 16;

export async function listObjects(deps: EngineDeps, input: ListObjectsInput): Promise<ListObjectsOutput> {
  const { bucket, prefix, delimiter, maxKeys } = input;
  const objects: ObjectRecord[] = [];
  const commonPrefixes: string[] = [];
  let last: string | undefined;
  if (maxKeys === 0) {
    const any = await deps.meta.listObjects(bucket, { prefix, after: input.after, limit: 1 });
    return { objects, commonPrefixes, isTruncated: any.length > 0 };
  }
  let after = input.after;
  let from: string | undefined;
  let batch = delimiter === '' ? SCAN_BATCH : DELIMITED_FIRST_BATCH;
  for (;;) {
    const want = maxKeys - objects.length - commonPrefixes.length;
    const limit = Math.min(want + 1, batch);
    const rows = await deps.meta.listObjects(bucket, { prefix, after, from, limit });
    if (rows.length === 0) return { objects, commonPrefixes, isTruncated: false, last };
    let seek: string | undefined;
    for (const row of rows) {
      let commonPrefix: string | undefined;
      if (delimiter !== '') {
        const i = row.key.indexOf(delimiter, prefix.length);
        if (i >= 0) commonPrefix = row.key.slice(0, i + delimiter.length);
      }
      // A common prefix equal to the marker was returned on the previous page.
      if (commonPrefix !== undefined && commonPrefix === input.after) {
        seek = commonPrefix;
        break;
      }
      if (objects.length + commonPrefixes.length === maxKeys) return { objects, commonPrefixes, isTruncated: true, last };
      if (commonPrefix !== undefined) {
        commonPrefixes.push(commonPrefix);
        last = commonPrefix;
        seek = commonPrefix;
        break;
      }
      objects.push(row);
      last = row.key;
      after = row.key;
      from = undefined;
    }
    if (seek !== undefined) {
      const next = prefixUpperBound(seek);
      if (next === undefined) return { objects, commonPrefixes, isTruncated: false, last };
      after = undefined;
      from = next;
      batch = delimiter === '' ? SCAN_BATCH : DELIMITED_FIRST_BATCH;
      continue;
    }
    if (rows.length < limit) return { objects, commonPrefixes, isTruncated: false, last };
    // Plain keys so far: read more at a time.
    batch = Math.min(batch * 4, SCAN_BATCH);
  }
}

/** V2 continuation tokens are opaque to clients: the last key or prefix returned, encoded. */
export function encodeContinuationToken(last: string): string {
  return Buffer.from(last, 'utf8').toString('base64url');
}

export function decodeContinuationToken(token: string): string {
  const decoded = Buffer.from(token, 'base64url');
  if (token === '' || !/^[A-Za-z0-9_-]+$/.test(token) || decoded.toString('base64url') !== token) {
    throw new S3Error('InvalidArgument', { message: 'The continuation token provided is incorrect', fields: { ArgumentName: 'continuation-token' } });
  }
  return decoded.toString('utf8');
}
