// The walk every S3 listing shares: rows in key order, rolled up into common prefixes by a
// delimiter, each common prefix skipped with one seek to the first key after it (never by
// walking the keys under it), up to a maximum of entries.
import { compareKeys, prefixUpperBound } from '../meta/key-order.js';

export interface ScanSource<T> {
  /** Rows after the current position, in key order; at most `limit`. */
  fetch(limit: number): Promise<T[]>;
  /** The position moves past a row that was taken. */
  advancePast(row: T): void;
  /** The position moves to the first key greater than or equal to `from`. */
  seek(from: string): void;
}

export interface ScanInput {
  prefix: string;
  delimiter: string;
  max: number;
  /** The marker of the previous page: a common prefix equal to it was returned already. */
  marker?: string;
  /**
   * Leave out every common prefix that does not sort after the marker, not only the one equal to
   * it: "CommonPrefixes is filtered out from results if it is not lexicographically greater than
   * the key-marker" (ListObjectVersions, Delimiter).
   * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
   */
  prefixesAfterMarkerOnly?: boolean;
}

export type ScanEntry<T> = { row: T } | { prefix: string };

export interface ScanOutput<T> {
  rows: T[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last row or common prefix returned: where the next page starts. */
  last: ScanEntry<T> | undefined;
}

const MAX_BATCH = 1000;
/** With a delimiter, read few rows at a time: after a common prefix the rest of a batch is waste. */
const DELIMITED_FIRST_BATCH = 16;

export async function delimitedScan<T extends { key: string }>(input: ScanInput, source: ScanSource<T>): Promise<ScanOutput<T>> {
  const { prefix, delimiter, max } = input;
  const entries: Array<ScanEntry<T>> = [];
  const done = (isTruncated: boolean): ScanOutput<T> => {
    const rows: T[] = [];
    const commonPrefixes: string[] = [];
    for (const e of entries) {
      if ('row' in e) rows.push(e.row);
      else commonPrefixes.push(e.prefix);
    }
    return { rows, commonPrefixes, isTruncated, last: entries[entries.length - 1] };
  };
  // Asked for nothing, S3 answers an empty page that is not truncated, with no marker to go on.
  if (max === 0) return done(false);
  const firstBatch = delimiter === '' ? MAX_BATCH : DELIMITED_FIRST_BATCH;
  let batch = firstBatch;
  for (;;) {
    const limit = Math.min(max - entries.length + 1, batch);
    const rows = await source.fetch(limit);
    let seek: string | undefined;
    for (const row of rows) {
      let common: string | undefined;
      if (delimiter !== '') {
        const i = row.key.indexOf(delimiter, prefix.length);
        if (i >= 0) common = row.key.slice(0, i + delimiter.length);
      }
      if (common !== undefined && input.marker !== undefined && (common === input.marker || (input.prefixesAfterMarkerOnly === true && compareKeys(common, input.marker) < 0))) {
        seek = common;
        break;
      }
      // One more entry exists beyond the page: that is what truncated means.
      if (entries.length === max) return done(true);
      if (common !== undefined) {
        entries.push({ prefix: common });
        seek = common;
        break;
      }
      entries.push({ row });
      source.advancePast(row);
    }
    if (seek !== undefined) {
      const next = prefixUpperBound(seek);
      if (next === undefined) return done(false);
      source.seek(next);
      batch = firstBatch;
      continue;
    }
    if (rows.length < limit) return done(false);
    // Plain keys so far: read more at a time.
    batch = Math.min(batch * 4, MAX_BATCH);
  }
}
