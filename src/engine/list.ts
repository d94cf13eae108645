// ListObjects (v1) and ListObjectsV2: a delimited scan over the latest versions' key index.
import { S3Error } from '../errors.js';
import type { ObjectRecord } from '../meta/types.js';
import type { EngineDeps } from './deps.js';
import { delimitedScan } from './delimited-scan.js';

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

export async function listObjects(deps: EngineDeps, input: ListObjectsInput): Promise<ListObjectsOutput> {
  let after = input.after;
  let from: string | undefined;
  const out = await delimitedScan<ObjectRecord>(
    { prefix: input.prefix, delimiter: input.delimiter, max: input.maxKeys, marker: input.after },
    {
      fetch: (limit) => deps.meta.listObjects(input.bucket, { prefix: input.prefix, after, from, limit }),
      advancePast: (row) => {
        after = row.key;
        from = undefined;
      },
      seek: (to) => {
        after = undefined;
        from = to;
      },
    },
  );
  const last = out.last === undefined ? undefined : 'row' in out.last ? out.last.row.key : out.last.prefix;
  return { objects: out.rows, commonPrefixes: out.commonPrefixes, isTruncated: out.isTruncated, last };
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
