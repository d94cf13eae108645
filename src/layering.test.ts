// Imports point one way (DESIGN.md): the HTTP edge serves whatever surfaces it is given and never
// reaches into S3; handlers never touch SQL or files; the engine knows nothing of S3's wire format
// or of HTTP. Read from the sources, so a new module is checked the day it is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's src/ (this file runs compiled from dist/src/). */
const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** Layer → layers it must not import, with the reason a failure prints. */
const FORBIDDEN: ReadonlyArray<{ from: string; to: readonly string[]; why: string }> = [
  { from: 'http', to: ['s3'], why: 'http serves the surfaces it is given; s3 depends on http, not the other way' },
  { from: 's3', to: ['meta', 'blobs'], why: 'handlers never touch SQL or files: they ask the engine' },
  { from: 'engine', to: ['s3', 'http', 'admin'], why: 'the engine knows nothing of HTTP or S3 wire formats' },
  { from: 'admin', to: ['s3'], why: 'admin sits beside s3, not inside it' },
  { from: 'auth', to: ['s3', 'admin', 'engine', 'meta', 'blobs'], why: 'authentication and authorization decide from what they are given' },
  { from: 'xml', to: ['s3', 'http', 'engine', 'meta', 'blobs'], why: 'rendering XML needs nothing of the layers that use it' },
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every module specifier a source names: static imports and re-exports, side-effect and dynamic imports. */
export function importsOf(text: string): string[] {
  const found: string[] = [];
  const patterns = [/^\s*(?:import|export)\s+(?:type\s+)?[^'";]*?\sfrom\s+['"]([^'"]+)['"]/gm, /^\s*import\s+['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const p of patterns) for (const m of text.matchAll(p)) found.push(m[1]!);
  return found;
}

/** The top folder under src/ of a module (`s3` for src/s3/router.ts, '' for src/config.ts). */
function layerOf(pathFromSrc: string): string {
  const parts = pathFromSrc.split('/');
  return parts.length > 1 ? parts[0]! : '';
}

/** The layering rules a module breaks, as `module → import (why)`. */
export function violations(modulePath: string, specifiers: readonly string[]): string[] {
  const from = layerOf(modulePath);
  const out: string[] = [];
  for (const spec of specifiers) {
    if (!spec.startsWith('.')) continue;
    const target = posix.normalize(posix.join(posix.dirname(modulePath), spec));
    if (target.startsWith('..')) continue;
    const to = layerOf(target);
    for (const rule of FORBIDDEN) {
      if (rule.from === from && rule.to.includes(to)) out.push(`src/${modulePath} imports ${spec} (${rule.why})`);
    }
  }
  return out;
}

test('no module under src/ imports across a layer it must not: http→s3, s3→meta/blobs, engine→s3/http, admin→s3', () => {
  const files = sources(SRC);
  assert.ok(files.length > 50, `found the sources in ${SRC}`);
  const broken = files.flatMap((f) => violations(relative(SRC, f).split(sep).join('/'), importsOf(readFileSync(f, 'utf8'))));
  assert.deepEqual(broken, []);
});

test('the import reader finds static, type-only, re-exported, side-effect and dynamic imports', () => {
  const text = [
    "import { a } from '../s3/router.js';",
    "import type { B } from '../meta/types.js';",
    "export { c } from '../blobs/x.js';",
    "export type { D } from './d.js';",
    "import '../s3/side.js';",
    "const m = await import('../s3/lazy.js');",
    "import {\n  e,\n  f,\n} from '../engine/engine.js';",
  ].join('\n');
  assert.deepEqual(importsOf(text).sort(), ['../blobs/x.js', '../engine/engine.js', '../meta/types.js', '../s3/lazy.js', '../s3/router.js', '../s3/side.js', './d.js'].sort());
});

test('a forbidden import is reported with its module and reason; allowed ones are not', () => {
  assert.deepEqual(violations('http/response.ts', ['../s3/xml.js']), [
    'src/http/response.ts imports ../s3/xml.js (http serves the surfaces it is given; s3 depends on http, not the other way)',
  ]);
  assert.equal(violations('s3/list.ts', ['../meta/types.js']).length, 1);
  assert.equal(violations('s3/multipart.ts', ['../blobs/fs-blob-store.js']).length, 1);
  assert.equal(violations('engine/ingest.ts', ['../http/context.js']).length, 1);
  assert.deepEqual(violations('s3/dispatch.ts', ['../http/context.js', '../engine/records.js', './router.js', '../auth/authorize.js']), []);
  assert.deepEqual(violations('app.ts', ['./http/server.js', './s3/dispatch.js', './meta/store.js']), []);
});

test('no S3 handler or admin module decides access itself: owners and admin flags are compared only by the authorizer', () => {
  // A comparison with an owner id, or an admin flag tested (`!user?.isAdmin`, `if (u.isAdmin`).
  const deciding = /\.ownerId\s*[!=]==|[!=]==\s*[\w.!?]*\.ownerId\b|(?:if\s*\(|!|&&|\|\||\?\s)\s*[\w.?]*\.isAdmin\b/;
  const files = sources(SRC).filter((f) => /[\\/](s3|admin|http)[\\/]/.test(f) && !f.endsWith('.test.ts'));
  const found = files.filter((f) => deciding.test(readFileSync(f, 'utf8'))).map((f) => relative(SRC, f).split(sep).join('/'));
  assert.deepEqual(found, []);
  for (const check of ['if (sourceBucket.ownerId !== ctx.user!.id)', 'if (id === b.ownerId)', 'if (!user?.isAdmin)', 'ok && u.isAdmin']) assert.ok(deciding.test(check), check);
  // Passing the flag on (to the principal, or into a listing) is no decision.
  for (const passing of ['admin: ctx.user.isAdmin', 'ownerId: ctx.user!.id', 'Owner: await ownerOf(ctx, owners, o.ownerId)']) assert.ok(!deciding.test(passing), passing);
});
