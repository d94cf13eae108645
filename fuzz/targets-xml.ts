// Request documents: the strict XML reader (src/s3/xml-read.ts) and every parser built on it —
// CompleteMultipartUpload, Delete (DeleteObjects), Tagging (object and bucket) and
// CreateBucketConfiguration. Documents come from each schema's grammar, written with the
// variations XML allows (declaration, namespaces, comments, CDATA, references, whitespace), then
// optionally damaged. A well-formed valid document reads back as written; anything else is an
// S3 error; the reader itself only ever refuses with XmlSyntaxError.
import fc from 'fast-check';
import { XmlSyntaxError, readXml } from '../src/s3/xml-read.js';
import { escapeXmlText } from '../src/xml/render.js';
import { parseCompleteMultipartUploadDocument } from '../src/s3/multipart.js';
import { parseDeleteDocument } from '../src/s3/object-delete.js';
import { parseTaggingDocument } from '../src/s3/tagging-input.js';
import { parseCreateBucketConfiguration } from '../src/s3/bucket.js';
import { applyEdit, editArb, timed, tokenString, valueOrRefusal } from './harness.js';
import type { FuzzTarget } from './harness.js';

const XML_TOKENS = [
  '<',
  '>',
  '</',
  '/>',
  '<a>',
  '</a>',
  '<b/>',
  '<x:a xmlns:x="urn:x">',
  '</x:a>',
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<?xml version="1.0" encoding="ISO-8859-1"?>',
  '<?pi data?>',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '<!DOCTYPE a [<!ENTITY e "x">]>',
  '<!ENTITY',
  '&amp;',
  '&lt;',
  '&e;',
  '&#x41;',
  '&#65;',
  '&#0;',
  '&#x110000;',
  '&#xD800;',
  '&#99999999999;',
  '&',
  '"',
  "'",
  '=',
  ' a="1"',
  ' a=1',
  ' ',
  '\n',
  '\r',
  '\r\n',
  '\t',
  'text',
  '\uFEFF',
  '\u0000',
  '\uFFFE',
  '\uD800',
  'é',
  '😀',
];

/** Text XML 1.0 can carry (lone surrogates and most C0 controls cannot be written at all). */
const xmlTextArb = fc.string({ unit: 'binary', maxLength: 24 }).map((s) => s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, ''));

/** Text as a document may spell it: escaped, as references, or in CDATA. */
function spell(text: string, how: number): string {
  // CDATA cannot hold a CR (end-of-line handling makes it LF) or its own end.
  if (how === 1 && !text.includes(']]>') && !text.includes('\r')) return `<![CDATA[${text}]]>`;
  if (how === 2) return [...text].map((c) => `&#x${c.codePointAt(0)!.toString(16)};`).join('');
  return escapeXmlText(text);
}

interface Spelling {
  decl: boolean;
  ns: boolean;
  comment: boolean;
  space: string;
  how: number;
}
const spellingArb: fc.Arbitrary<Spelling> = fc.record({ decl: fc.boolean(), ns: fc.boolean(), comment: fc.boolean(), space: fc.constantFrom('', '\n', '\r\n  ', '\t'), how: fc.nat(2) });

function el(name: string, inner: string, s: Spelling): string {
  return `<${name}>${s.comment ? '<!-- c -->' : ''}${inner}</${name}>${s.space}`;
}

function doc(root: string, inner: string, s: Spelling): string {
  const open = s.ns ? `<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` : `<${root}>`;
  return `${s.decl ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ''}${open}${s.space}${inner}</${root}>`;
}

interface Part {
  partNumber: number;
  etag: string;
}
const completeArb = fc.record({ parts: fc.array(fc.record({ partNumber: fc.integer({ min: 1, max: 10000 }), etag: xmlTextArb }), { minLength: 1, maxLength: 4 }), s: spellingArb }).map(({ parts, s }) => ({
  parts,
  text: doc('CompleteMultipartUpload', parts.map((p) => el('Part', el('PartNumber', String(p.partNumber), s) + el('ETag', spell(p.etag, s.how), s), s)).join(''), s),
}));

const deleteArb = fc
  .record({ keys: fc.array(fc.record({ key: xmlTextArb, versionId: fc.option(xmlTextArb, { nil: undefined }) }), { minLength: 1, maxLength: 4 }), quiet: fc.option(fc.boolean(), { nil: undefined }), s: spellingArb })
  .map(({ keys, quiet, s }) => ({
    keys,
    quiet,
    text: doc(
      'Delete',
      (quiet === undefined ? '' : el('Quiet', String(quiet), s)) +
        keys.map((k) => el('Object', el('Key', spell(k.key, s.how), s) + (k.versionId === undefined ? '' : el('VersionId', spell(k.versionId, s.how), s)), s)).join(''),
      s,
    ),
  }));

const tagTextArb = fc.string({ unit: fc.constantFrom('a', 'B', '1', ' ', '_', '.', ':', '/', '=', '+', '-', '@', 'é', '日'), maxLength: 12 });
const taggingArb = fc.record({ tags: fc.uniqueArray(fc.record({ key: tagTextArb.filter((k) => k.length > 0), value: tagTextArb }), { selector: (t) => t.key, maxLength: 10 }), s: spellingArb }).map(({ tags, s }) => ({
  tags,
  text: doc('Tagging', el('TagSet', tags.map((t) => el('Tag', el('Key', spell(t.key, s.how), s) + el('Value', spell(t.value, s.how), s), s)).join(''), s), s),
}));

const bucketConfigArb = fc.record({ region: fc.option(fc.constantFrom('us-east-1', 'eu-west-1', 'EU', ''), { nil: undefined }), s: spellingArb }).map(({ region, s }) => ({
  region,
  text: doc('CreateBucketConfiguration', region === undefined ? '' : el('LocationConstraint', spell(region, s.how), s), s),
}));

/** One of the four documents, maybe damaged by a few edits, or plain token soup. */
type Doc = { kind: 'complete'; parts: Part[] } | { kind: 'delete'; keys: Array<{ key: string; versionId?: string }>; quiet?: boolean } | { kind: 'tagging'; tags: Array<{ key: string; value: string }> } | { kind: 'bucket'; region?: string };
export const documentArb: fc.Arbitrary<{ doc: Doc; text: string; damaged: boolean }> = fc
  .tuple(
    fc.oneof(
      completeArb.map((d) => ({ doc: { kind: 'complete', parts: d.parts } as Doc, text: d.text })),
      deleteArb.map((d) => ({ doc: { kind: 'delete', keys: d.keys, quiet: d.quiet } as Doc, text: d.text })),
      taggingArb.map((d) => ({ doc: { kind: 'tagging', tags: d.tags } as Doc, text: d.text })),
      bucketConfigArb.map((d) => ({ doc: { kind: 'bucket', region: d.region } as Doc, text: d.text })),
    ),
    fc.array(editArb, { maxLength: 3 }),
  )
  .map(([d, edits]) => ({ ...d, text: edits.reduce(applyEdit, d.text), damaged: edits.length > 0 }));

function same(a: unknown, b: unknown, what: string): void {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${what}: read ${JSON.stringify(a)}, wrote ${JSON.stringify(b)}`);
}

/** Parse `text` with every document parser; an intact document reads back as written. */
function checkDocument(d: Doc, text: string, damaged: boolean): void {
  const complete = valueOrRefusal(() => parseCompleteMultipartUploadDocument(text));
  const del = valueOrRefusal(() => parseDeleteDocument(text));
  const objectTags = valueOrRefusal(() => parseTaggingDocument(text, 'object'));
  const bucketTags = valueOrRefusal(() => parseTaggingDocument(text, 'bucket'));
  const region = valueOrRefusal(() => parseCreateBucketConfiguration(text));
  if (damaged) return;
  switch (d.kind) {
    case 'complete':
      same(
        complete?.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
        d.parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag.trim() })),
        'CompleteMultipartUpload',
      );
      break;
    case 'delete': {
      // A key that is empty is refused (MalformedXML); otherwise every key reads back exactly.
      if (d.keys.some((k) => k.key === '')) {
        if (del !== undefined) throw new Error('a Delete with an empty Key was accepted');
        break;
      }
      same(
        del?.targets.map((t) => [t.key, t.versionId]),
        d.keys.map((k) => [k.key, k.versionId || undefined]),
        'Delete',
      );
      same(del?.quiet, d.quiet === true, 'Quiet');
      break;
    }
    case 'tagging': {
      // Tag rules (length, count, characters) may refuse a set; one that passes reads back exactly
      // (as a set: S3 does not keep the order).
      const sorted = (tags: Array<{ key: string; value: string }> | undefined): unknown => tags && [...tags].sort((a, b) => (a.key < b.key ? -1 : 1)).map((t) => [t.key, t.value]);
      if (objectTags !== undefined) same(sorted(objectTags), sorted(d.tags), 'object Tagging');
      if (bucketTags !== undefined) same(sorted(bucketTags), sorted(d.tags), 'bucket Tagging');
      if (bucketTags === undefined) throw new Error(`a valid bucket tag set was refused: ${text}`);
      break;
    }
    case 'bucket':
      same(region, d.region === undefined || d.region.trim() === '' ? undefined : d.region, 'LocationConstraint');
      break;
  }
}

export const XML_TARGETS: FuzzTarget[] = [
  {
    name: 'xml-reader',
    about: 'any text is read or refused with XmlSyntaxError only; any text escaped into an element reads back exactly',
    property: () =>
      fc.property(
        fc.oneof(tokenString(XML_TOKENS, 40), fc.string({ unit: 'binary', maxLength: 60 })),
        xmlTextArb,
        timed((soup: string, text: string) => {
          try {
            readXml(soup, new Set(['a']));
          } catch (err) {
            if (!(err instanceof XmlSyntaxError)) throw err;
          }
          const back = readXml(`<r>${escapeXmlText(text)}</r>`).r;
          if (back !== text) throw new Error(`${JSON.stringify(text)} read back as ${JSON.stringify(back)}`);
        }),
      ),
  },
  {
    name: 'xml-documents',
    about: 'CompleteMultipartUpload, Delete, Tagging and CreateBucketConfiguration bodies, intact or damaged: S3 errors only, intact ones read back as written',
    property: () => fc.property(documentArb, timed(({ doc: d, text, damaged }) => checkDocument(d, text, damaged))),
  },
];
