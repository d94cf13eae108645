// The version listing on SQLite: index range scans over (bucket, key, version_id), each key's
// versions ordered newest first by their sequence number (the row id). SQLite reads the index in
// key order and sorts only the few rows of one key at a time, so a page costs its own rows, not
// the bucket's.
import type { ObjectRecord, VersionListRange } from '../types.js';
import { LIST_COLUMNS, keyPrefixRange, toObject } from './rows.js';
import type { Row } from './rows.js';

export type SqlAll = (sql: string, ...params: unknown[]) => Row[];

export function listObjectVersionRows(all: SqlAll, bucket: string, range: VersionListRange): ObjectRecord[] {
  const rows: Row[] = [];
  const { keyMarker, versionIdMarker } = range;
  if (keyMarker !== undefined && versionIdMarker !== undefined) {
    // First the rest of the marker's key: its versions older than the marker version, or, when
    // that version is gone, those that cannot be newer than it (VersionListRange).
    const conds = ['bucket = ?', 'key = ?'];
    const params: unknown[] = [bucket, keyMarker];
    keyPrefixRange(range.prefix, range.from, conds, params);
    // The marker version's place is its seq: the rest of the key is a range of the version index
    // (bucket, key, seq DESC) below it, sought directly, so paging through one key's millions of
    // versions costs each page its own rows.
    const marker = all('SELECT seq FROM objects WHERE bucket = ? AND key = ? AND version_id = ?', bucket, keyMarker, versionIdMarker)[0];
    if (marker !== undefined) {
      conds.push('seq < ?');
      params.push(marker.seq);
    } else if (range.versionIdMarkerTime !== undefined) {
      conds.push('last_modified <= ?');
      params.push(range.versionIdMarkerTime);
    }
    params.push(range.limit);
    rows.push(...all(`SELECT ${LIST_COLUMNS} FROM objects WHERE ${conds.join(' AND ')} ORDER BY seq DESC LIMIT ?`, ...params));
  }
  if (rows.length < range.limit) {
    const conds = ['bucket = ?'];
    const params: unknown[] = [bucket];
    keyPrefixRange(range.prefix, range.from, conds, params);
    if (keyMarker !== undefined) {
      conds.push('key > ?');
      params.push(keyMarker);
    }
    params.push(range.limit - rows.length);
    rows.push(...all(`SELECT ${LIST_COLUMNS} FROM objects WHERE ${conds.join(' AND ')} ORDER BY key, seq DESC LIMIT ?`, ...params));
  }
  return rows.map(toObject);
}
