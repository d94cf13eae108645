// Path-style (/bucket/key) and virtual-hosted-style (bucket.domain/key) addressing.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
import { S3Error } from '../errors.js';
import { percentDecode } from '../auth/canonical.js';

// ignoreBOM keeps a leading U+FEFF: it is part of the key, and the default would drop it.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface Target {
  bucket?: string;
  key?: string;
  /** The bucket came from the Host header (virtual-hosted style), not from the path. */
  virtualHosted?: boolean;
}

const NEEDS_DECODING = /[^\x20-\x24\x26-\x2a\x2c-\x7e]/;

/**
 * Percent-decode a path into a key. S3 reads '+' as a space here too (SDKs send a plus as %2B),
 * the same decoding the signature's canonical URI uses. Bytes that are not UTF-8 are InvalidURI,
 * and so is a '%' without two hex digits (S3 cannot parse such a URI; the canonical URI is
 * lenient about it, but the request never gets that far).
 */
function decodeSegment(raw: string): string {
  // Printable ASCII without '%' or '+' decodes to itself.
  if (!NEEDS_DECODING.test(raw)) return raw;
  if (/%(?![0-9A-Fa-f]{2})/.test(raw)) throw new S3Error('InvalidURI');
  try {
    return utf8.decode(percentDecode(raw));
  } catch {
    throw new S3Error('InvalidURI');
  }
}

/** Host without port, lower-case. */
export function hostName(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

export function resolveTarget(hostHeader: string | undefined, rawPath: string, domains: readonly string[]): Target {
  if (!rawPath.startsWith('/')) throw new S3Error('InvalidURI');
  const host = hostName(hostHeader);
  for (const domain of domains) {
    if (host.length > domain.length + 1 && host.endsWith('.' + domain)) {
      const bucket = host.slice(0, host.length - domain.length - 1);
      const key = rawPath.length > 1 ? decodeSegment(rawPath.slice(1)) : undefined;
      return { bucket, key, virtualHosted: true };
    }
  }
  const rest = rawPath.slice(1);
  if (rest === '') return {};
  const slash = rest.indexOf('/');
  if (slash < 0) return { bucket: decodeSegment(rest) };
  const bucket = decodeSegment(rest.slice(0, slash));
  const keyRaw = rest.slice(slash + 1);
  return { bucket, key: keyRaw === '' ? undefined : decodeSegment(keyRaw) };
}
