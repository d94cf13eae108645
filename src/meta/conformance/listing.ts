// Listings: keys in the order of their UTF-8 bytes (as S3 lists them), prefixes as ranges,
// `after` and `from` as the paging and seek positions the engine's listings move with, and the
// latest, live version of each key only. Bucket listings follow the same rules by name.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html ("returned in UTF-8
// binary order")
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetadataStore } from '../store.js';
import type { ObjectRecord } from '../types.js';
import { prefixUpperBound } from '../key-order.js';
// The engine's walk of a delimited listing, run here against the store exactly as ListObjects
// drives it: a store passes only if its `after` and `from` positions compose as the walk needs.
import { delimitedScan } from '../../engine/delimited-scan.js';
import { OTHER_OWNER, OWNER, bucketRecord, deleteMarker, freshStore, keysOf, objectRecord, putKeys } from './fixtures.js';
import type { StoreFactory } from './fixtures.js';

/**
 * Keys in UTF-8 byte order, written out rather than computed so that a wrong comparison cannot
 * agree with itself. In UTF-16 code units (JavaScript's `<`) U+E000, U+FF61 and U+FFFF would sort
 * after U+10000 and U+1F600, which are surrogate pairs there.
 */
const KEYS_IN_BYTE_ORDER = [
  '!',
  'A',
  'Z',
  'a',
  'a b',
  'a/b',
  'a0',
  'z',
  '\u007f',
  '\u0080',
  '\u00e9',
  '\u07ff',
  '\u0800',
  '\ud7ff',
  '\ue000',
  '\uff61',
  '\uffff',
  '\u{10000}',
  '\u{1f600}',
  '\u{10ffff}',
];

/** The same items in an order unrelated to the listing's: a fixed stride through them. */
function shuffled<T>(items: readonly T[]): T[] {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const stride = [7, 11, 13].find((s) => gcd(s, items.length) === 1)!;
  return items.map((_, i) => items[(i * stride) % items.length]!);
}

async function everyPage(store: MetadataStore, bucket: string, prefix: string, pageSize: number): Promise<string[][]> {
  const pages: string[][] = [];
  let after: string | undefined;
  for (;;) {
    const page = keysOf(await store.listObjects(bucket, { prefix, after, limit: pageSize }));
    if (page.length === 0) return pages;
    // A store whose `after` does not move the listing on would page forever: fail instead.
    if (pages.length > 100) assert.fail(`still paging after ${pages.length} pages: ${pages.slice(-3).join(' | ')}`);
    pages.push(page);
    after = page[page.length - 1];
  }
}

/** ListObjects' walk over the store (see src/engine/list.ts), returning keys and common prefixes. */
async function delimitedListing(store: MetadataStore, bucket: string, prefix: string, delimiter: string, max: number, marker?: string) {
  let after = marker;
  let from: string | undefined;
  const out = await delimitedScan<ObjectRecord>(
    { prefix, delimiter, max, marker },
    {
      fetch: (limit) => store.listObjects(bucket, { prefix, after, from, limit }),
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
  return { keys: keysOf(out.rows), commonPrefixes: out.commonPrefixes, isTruncated: out.isTruncated };
}

export function listingTests(open: StoreFactory): void {
  describe('listing', () => {
    test('objects list in UTF-8 byte order, not UTF-16 code unit order', async (t) => {
      const store = await freshStore(t, open);
      await putKeys(store, 'b', shuffled(KEYS_IN_BYTE_ORDER));
      assert.deepEqual(keysOf(await store.listObjects('b', { prefix: '', limit: 100 })), KEYS_IN_BYTE_ORDER);
    });

    test('paging with after returns every key once, in order, whatever the page size', async (t) => {
      const store = await freshStore(t, open);
      await putKeys(store, 'b', shuffled(KEYS_IN_BYTE_ORDER));
      for (const size of [1, 3, 7]) {
        const pages = await everyPage(store, 'b', '', size);
        assert.deepEqual(pages.flat(), KEYS_IN_BYTE_ORDER, `pages of ${size}`);
        assert.ok(pages.every((p) => p.length <= size));
      }
      // `after` need not be a key that exists: it is a position.
      assert.deepEqual(keysOf(await store.listObjects('b', { prefix: '', after: '\u00e0', limit: 3 })), ['\u00e9', '\u07ff', '\u0800']);
      assert.deepEqual(keysOf(await store.listObjects('b', { prefix: '', after: '\u{10ffff}', limit: 3 })), []);
    });

    test('a prefix lists exactly the keys that start with it, multi-byte and edge code points included', async (t) => {
      const store = await freshStore(t, open);
      await putKeys(store, 'b', shuffled([...KEYS_IN_BYTE_ORDER, 'a/c/d', '\ud7ffz', '\u{10ffff}\u{10ffff}', '\u{1f600}/x']));
      const list = async (prefix: string): Promise<string[]> => keysOf(await store.listObjects('b', { prefix, limit: 100 }));
      assert.deepEqual(await list('a'), ['a', 'a b', 'a/b', 'a/c/d', 'a0']);
      assert.deepEqual(await list('a/'), ['a/b', 'a/c/d']);
      assert.deepEqual(await list('\u{1f600}'), ['\u{1f600}', '\u{1f600}/x']);
      // The first string after the prefix '\ud7ff' is '\ue000' (no code points in between): excluded.
      assert.deepEqual(await list('\ud7ff'), ['\ud7ff', '\ud7ffz']);
      // No string follows every string that starts with U+10FFFF: the range is open-ended.
      assert.deepEqual(await list('\u{10ffff}'), ['\u{10ffff}', '\u{10ffff}\u{10ffff}']);
      assert.deepEqual(await list('nothing'), []);
      // Paging inside a prefix stays inside it.
      assert.deepEqual((await everyPage(store, 'b', 'a', 2)).flat(), ['a', 'a b', 'a/b', 'a/c/d', 'a0']);
    });

    test('prefixes are literal: %, _ and backslash match only themselves', async (t) => {
      const store = await freshStore(t, open);
      await putKeys(store, 'b', ['p%q', 'p_q', 'p\\q', 'pxq', 'p%', 'pq']);
      const list = async (prefix: string): Promise<string[]> => keysOf(await store.listObjects('b', { prefix, limit: 100 }));
      assert.deepEqual(await list('p%'), ['p%', 'p%q']);
      assert.deepEqual(await list('p_'), ['p_q']);
      assert.deepEqual(await list('p\\'), ['p\\q']);
    });

    test('from is an inclusive seek: past a common prefix it skips every key under it', async (t) => {
      const store = await freshStore(t, open);
      await putKeys(store, 'b', ['a/1', 'a/2', 'a/3/x', 'a0', 'b/1', 'c']);
      assert.deepEqual(keysOf(await store.listObjects('b', { prefix: '', from: 'a/2', limit: 2 })), ['a/2', 'a/3/x']);
      assert.deepEqual(keysOf(await store.listObjects('b', { prefix: '', from: prefixUpperBound('a/')!, limit: 10 })), ['a0', 'b/1', 'c']);
      // Within a prefix, a seek before the prefix starts at the prefix and one past it finds nothing.
      assert.deepEqual(keysOf(await store.listObjects('b', { prefix: 'b/', from: 'a', limit: 10 })), ['b/1']);
      assert.deepEqual(keysOf(await store.listObjects('b', { prefix: 'a/', from: 'a0', limit: 10 })), []);
    });

    test('a delimited walk rolls keys up into common prefixes in byte order and pages through them', async (t) => {
      const store = await freshStore(t, open);
      await putKeys(
        store,
        'b',
        shuffled([
          'photos/2024/a.jpg',
          'photos/2024/b.jpg',
          'photos/2025/c.jpg',
          'photos/index.html',
          'photos/\u00e9t\u00e9/d.jpg',
          'photos/\u{1f600}/e.jpg',
          'photos/\uff61/f.jpg',
          'readme',
          'videos/v.mp4',
        ]),
      );
      const top = await delimitedListing(store, 'b', '', '/', 100);
      assert.deepEqual(top, { keys: ['readme'], commonPrefixes: ['photos/', 'videos/'], isTruncated: false });
      const photos = await delimitedListing(store, 'b', 'photos/', '/', 100);
      assert.deepEqual(photos, {
        keys: ['photos/index.html'],
        commonPrefixes: ['photos/2024/', 'photos/2025/', 'photos/\u00e9t\u00e9/', 'photos/\uff61/', 'photos/\u{1f600}/'],
        isTruncated: false,
      });
      // Pages of two, each starting after the last entry of the one before (NextMarker).
      const first = await delimitedListing(store, 'b', 'photos/', '/', 2);
      assert.deepEqual(first, { keys: [], commonPrefixes: ['photos/2024/', 'photos/2025/'], isTruncated: true });
      const second = await delimitedListing(store, 'b', 'photos/', '/', 2, 'photos/2025/');
      assert.deepEqual(second, { keys: ['photos/index.html'], commonPrefixes: ['photos/\u00e9t\u00e9/'], isTruncated: true });
      const third = await delimitedListing(store, 'b', 'photos/', '/', 2, 'photos/\u00e9t\u00e9/');
      assert.deepEqual(third, { keys: [], commonPrefixes: ['photos/\uff61/', 'photos/\u{1f600}/'], isTruncated: false });
    });

    test('a listing shows the latest version of each key once, and no key whose latest version is a delete marker', async (t) => {
      const store = await freshStore(t, open);
      const write = (r: ObjectRecord): Promise<unknown> => store.transaction((tx) => tx.insertObjectVersion(r));
      await write(objectRecord('b', 'deleted', { versionId: 'd1' }));
      await write(deleteMarker('b', 'deleted', 'd2'));
      await write(objectRecord('b', 'kept', { versionId: 'k1', etag: 'old' }));
      await write(objectRecord('b', 'kept', { versionId: 'k2', etag: 'new' }));
      await write(deleteMarker('b', 'revived', 'r1'));
      await write(objectRecord('b', 'revived', { versionId: 'r2', etag: 'back' }));
      const rows = await store.listObjects('b', { prefix: '', limit: 10 });
      assert.deepEqual(
        rows.map((r) => [r.key, r.versionId, r.etag]),
        [
          ['kept', 'k2', 'new'],
          ['revived', 'r2', 'back'],
        ],
      );
    });

    test('a listing row carries the fields ListObjects shows but not the object bytes or part list', async (t) => {
      const store = await freshStore(t, open);
      const written = objectRecord('b', 'k', {
        inlineData: Buffer.from('abc'),
        size: 3,
        etag: 'e',
        storageClass: 'GLACIER_IR',
        lastModified: 1_712_000_000_123,
        checksums: { algorithm: 'CRC32', type: 'FULL_OBJECT', values: { CRC32: 'NSRBwg==' } },
        userMetadata: { m: 'v' },
      });
      await store.transaction((tx) => tx.insertObjectVersion(written, 'null'));
      const [row] = await store.listObjects('b', { prefix: '', limit: 10 });
      assert.deepEqual(row, { ...written, inlineData: null, parts: null });
    });

    test('the limit caps a listing, and each bucket lists only its own objects', async (t) => {
      const store = await freshStore(t, open, ['b', 'c']);
      await putKeys(store, 'b', ['1', '2', '3']);
      await putKeys(store, 'c', ['0', '4']);
      assert.deepEqual(keysOf(await store.listObjects('b', { prefix: '', limit: 2 })), ['1', '2']);
      assert.deepEqual(keysOf(await store.listObjects('c', { prefix: '', limit: 10 })), ['0', '4']);
      assert.deepEqual(keysOf(await store.listObjects('b', { prefix: '', limit: 0 })), []);
    });

    test('buckets list by owner in name order, with prefix, after and limit', async (t) => {
      const store = await freshStore(t, open, ['photos-2', 'archive', 'photos-1', 'zeta', 'photos-10']);
      await store.transaction((tx) => tx.createBucket(bucketRecord('photos-0-other', { ownerId: OTHER_OWNER })));
      const names = async (range: { prefix: string; after?: string; limit: number }, owner?: string): Promise<string[]> =>
        (await store.listBuckets(owner ?? OWNER, range)).map((b) => b.name);
      assert.deepEqual(await names({ prefix: '', limit: 100 }), ['archive', 'photos-1', 'photos-10', 'photos-2', 'zeta']);
      assert.deepEqual(await names({ prefix: 'photos-', limit: 100 }), ['photos-1', 'photos-10', 'photos-2']);
      assert.deepEqual(await names({ prefix: 'photos-', after: 'photos-1', limit: 100 }), ['photos-10', 'photos-2']);
      assert.deepEqual(await names({ prefix: '', after: 'photos-2', limit: 1 }), ['zeta']);
      assert.deepEqual(await names({ prefix: '', limit: 100 }, OTHER_OWNER), ['photos-0-other']);
      assert.equal(await store.countBuckets(OWNER), 5);
      assert.equal(await store.countBuckets(OTHER_OWNER), 1);
      assert.equal(await store.countBuckets('f'.repeat(64)), 0);
    });
  });
}
