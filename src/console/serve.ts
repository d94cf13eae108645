// The web console's files, served under /_coffer/console/ on the S3 listeners, and the redirect
// that sends a browser opening the root URL there. The files are built by `npm run build`
// (scripts/build-console.js) into dist/console/; only the names found there are ever served, so
// no request path can reach another file.
import { readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { RequestContext, S3Result } from '../http/context.js';
import { header } from '../http/context.js';
import { resolveTarget } from '../http/addressing.js';

export const CONSOLE_PREFIX = '/_coffer/console/';

/** Where the build writes the console: dist/console/, beside this module's dist/src/console/. */
const DEFAULT_DIR = new URL('../../console/', import.meta.url);

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  json: 'application/json',
};

/** The page talks only to its own origin and runs only its own script. */
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  /** Built names carry a content hash (app-3FQ2K.js) and never change; index.html does. */
  immutable: boolean;
}

/** The built files, read once: a few small files, kept in memory. */
export class ConsoleFiles {
  private assets: Map<string, Asset> | undefined;

  constructor(private readonly dir: URL = DEFAULT_DIR) {}

  /** The asset called `name` (a plain file name), or undefined. */
  get(name: string): Asset | undefined {
    this.assets ??= this.load();
    return this.assets.get(name);
  }

  get built(): boolean {
    this.assets ??= this.load();
    return this.assets.has('index.html');
  }

  private load(): Map<string, Asset> {
    const out = new Map<string, Asset>();
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return out;
    }
    for (const name of names) {
      const ext = name.slice(name.lastIndexOf('.') + 1);
      const type = CONTENT_TYPES[ext];
      if (!type || !/^[A-Za-z0-9._-]+$/.test(name)) continue;
      const body = readFileSync(new URL(name, this.dir));
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
      out.set(name, { body, type, etag, immutable: /-[A-Z0-9]{8,}\.(js|css)$/.test(name) });
    }
    return out;
  }
}

function plain(status: number, text: string, extra: Record<string, string> = {}): S3Result {
  return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...SECURITY_HEADERS, ...extra }, body: `${text}\n` };
}

/** Answer a request under /_coffer/console (rawPath still percent-encoded). */
export function answerConsole(ctx: RequestContext, files: ConsoleFiles, rawPath: string): S3Result {
  if (rawPath === '/_coffer/console') return { status: 301, headers: { Location: CONSOLE_PREFIX, 'Cache-Control': 'no-store' } };
  const method = ctx.req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') return plain(405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
  const rest = rawPath.slice(CONSOLE_PREFIX.length);
  if (rest === 'config.json') {
    // What the page needs to sign requests that this gateway accepts.
    return { status: 200, headers: { 'Content-Type': CONTENT_TYPES.json, 'Cache-Control': 'no-cache', ...SECURITY_HEADERS }, body: JSON.stringify({ region: ctx.config.region }) };
  }
  const name = rest === '' ? 'index.html' : rest;
  // A plain file name only: '/', '%' (encoded separators or dots) and '..' never name an asset.
  const asset = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name) ? files.get(name) : undefined;
  if (!asset) {
    if (!files.built) return plain(503, 'The web console has not been built: run npm run build.');
    return plain(404, 'Not Found');
  }
  const headers = {
    'Content-Type': asset.type,
    ETag: asset.etag,
    'Cache-Control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    ...SECURITY_HEADERS,
  };
  const inm = header(ctx, 'if-none-match');
  if (inm?.split(',').some((t) => t.trim() === asset.etag || t.trim() === '*')) return { status: 304, headers };
  return { status: 200, headers, body: asset.body };
}

/** The weight an Accept header gives a media type it names explicitly (0 when it does not). */
function acceptWeight(accept: string, type: string): number {
  for (const part of accept.split(',')) {
    const [media, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (media !== type) continue;
    const q = params.find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    return Number.isFinite(weight) ? weight : 0;
  }
  return 0;
}

/**
 * A browser opening the root URL (GET /, no credentials, an Accept that prefers HTML) is sent to
 * the console. Everything else at / stays S3's: ListBuckets, or an anonymous ListBuckets' error
 * in XML for SDKs, curl and the CLIs, which send no Accept or one without text/html.
 */
export function consoleRedirect(ctx: RequestContext): S3Result | undefined {
  if (ctx.req.method !== 'GET' || ctx.rawPath !== '/' || ctx.rawQuery !== '') return undefined;
  if (header(ctx, 'authorization') !== undefined) return undefined;
  const accept = header(ctx, 'accept');
  if (!accept) return undefined;
  const html = acceptWeight(accept, 'text/html');
  if (html <= 0 || html < acceptWeight(accept, 'application/xml') || html < acceptWeight(accept, 'text/xml')) return undefined;
  // A virtual-hosted bucket's root is that bucket's listing, not the service.
  let bucket: string | undefined;
  try {
    bucket = resolveTarget(header(ctx, 'host'), '/', ctx.config.domains).bucket;
  } catch {
    return undefined;
  }
  if (bucket !== undefined) return undefined;
  return { status: 302, headers: { Location: CONSOLE_PREFIX, 'Cache-Control': 'no-store', Vary: 'Accept' } };
}
