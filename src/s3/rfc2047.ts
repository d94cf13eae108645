// User-defined metadata beyond US-ASCII, as S3 treats it: "Values of such headers are character
// decoded as per RFC 2047 before storing and encoded as per RFC 2047 to make them mail-safe
// before returning. If the string contains only US-ASCII characters, it is presented as is."
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html#UserMetadata
// https://www.rfc-editor.org/rfc/rfc2047

/** Charsets an encoded-word may name that decode to the same text everywhere. */
const CHARSETS: ReadonlyMap<string, string> = new Map([
  ['utf-8', 'utf-8'],
  ['us-ascii', 'utf-8'],
  ['iso-8859-1', 'latin1'],
]);

/** `=?charset?B|Q?text?=` (RFC 2047 §2); a charset may carry a language after `*` (RFC 2231 §5). */
const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

function decodeWord(charset: string, encoding: string, text: string): string | undefined {
  const cs = CHARSETS.get(charset.toLowerCase().split('*')[0]!);
  if (cs === undefined) return undefined;
  let bytes: Buffer;
  if (encoding === 'B' || encoding === 'b') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
    bytes = Buffer.from(text, 'base64');
  } else {
    // Q: '_' is a space, =XX a byte, everything else itself (RFC 2047 §4.2).
    if (/=(?![0-9A-Fa-f]{2})/.test(text)) return undefined;
    bytes = Buffer.from(
      text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
      'latin1',
    );
  }
  if (cs === 'latin1') return bytes.toString('latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * A metadata value as stored: its RFC 2047 encoded-words decoded (the whitespace between two
 * adjacent words dropped, §6.2). A word in a charset we do not know, or one that does not decode,
 * stays as it was sent.
 */
export function decodeMetadataValue(value: string): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let last = 0;
  let previousWordEnd = -1;
  for (const m of value.matchAll(ENCODED_WORD)) {
    const decoded = decodeWord(m[1]!, m[2]!, m[3]!);
    if (decoded === undefined) continue;
    const between = value.slice(last, m.index);
    out += previousWordEnd === last && /^[ \t]*$/.test(between) ? '' : between;
    out += decoded;
    last = m.index + m[0].length;
    previousWordEnd = last;
  }
  return out + value.slice(last);
}

/**
 * A stored metadata value as a response header: as is when all of it is printable US-ASCII (tab
 * included), else one RFC 2047 `B` encoded-word of its UTF-8. A control character cannot arrive
 * in a request header, but can in a POST form field (a line break), and is made mail-safe too.
 * A header value reaches us as bytes read one per character (Latin-1), so UTF-8 sent raw in a
 * request header comes back as the UTF-8 of those characters, as S3 returns it
 * (https://github.com/minio/minio/pull/21282 records AWS answering `ö` sent raw with
 * `=?UTF-8?B?w4PCtg==?=`); text decoded from an encoded-word or a POST form comes back as itself.
 */
export function encodeMetadataValue(value: string): string {
  if (/^[\t\x20-\x7e]*$/.test(value)) return value;
  return `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}
