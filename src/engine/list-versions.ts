// ListObjectVersions: every version and delete marker, keys in UTF-8 byte order and each key's
// versions newest first, through the delimited scan every listing shares (a common prefix is
// skipped with one seek, never walked).
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
import type { ObjectRecord } from '../meta/types.js';
import type { EngineDeps } from './deps.js';
import { delimitedScan } from './delimited-scan.js';
import { versionIdTime } from './version-id.js';

export interface ListObjectVersionsInput {
  bucket: string;
  prefix: string;
  delimiter: string;
  maxKeys: number;
  /** Continue after this key: after all its versions, or after `versionIdMarker` of it. */
  keyMarker?: string;
  /** Meaningful only with keyMarker (the parser refuses it alone). */
  versionIdMarker?: string;
}

export interface ListObjectVersionsOutput {
  /** Versions and delete markers (`deleteMarker`), in listing order. */
  versions: ObjectRecord[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** Where the next page starts: the last key or common prefix returned, when truncated. */
  nextKeyMarker?: string;
  /** The last version returned, when truncated and the page ends with a version. */
  nextVersionIdMarker?: string;
}

export async function listObjectVersions(deps: EngineDeps, input: ListObjectVersionsInput): Promise<ListObjectVersionsOutput> {
  let keyMarker = input.keyMarker;
  let versionIdMarker = input.keyMarker !== undefined ? input.versionIdMarker : undefined;
  let from: string | undefined;
  const out = await delimitedScan<ObjectRecord>(
    { prefix: input.prefix, delimiter: input.delimiter, max: input.maxKeys, marker: input.keyMarker, prefixesAfterMarkerOnly: true },
    {
      fetch: (limit) =>
        deps.meta.listObjectVersions(input.bucket, {
          prefix: input.prefix,
          keyMarker,
          versionIdMarker,
          // A client's marker version may have been deleted since its last page (as a clean-up
          // that lists a page and deletes it does every time); its id still tells when it was made.
          versionIdMarkerTime: versionIdMarker !== undefined ? versionIdTime(versionIdMarker) : undefined,
          from,
          limit,
        }),
      advancePast: (row) => {
        keyMarker = row.key;
        versionIdMarker = row.versionId;
        from = undefined;
      },
      seek: (to) => {
        keyMarker = undefined;
        versionIdMarker = undefined;
        from = to;
      },
    },
  );
  const last = out.isTruncated ? out.last : undefined;
  return {
    versions: out.rows,
    commonPrefixes: out.commonPrefixes,
    isTruncated: out.isTruncated,
    nextKeyMarker: last === undefined ? undefined : 'row' in last ? last.row.key : last.prefix,
    nextVersionIdMarker: last !== undefined && 'row' in last ? last.row.versionId : undefined,
  };
}
