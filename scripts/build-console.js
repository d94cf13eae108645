#!/usr/bin/env node
// Builds the web console (src/console/web/) into static files in dist/console/, which Coffer
// serves under /_coffer/console/: one bundled script and stylesheet named by their content hash
// (cached for good), index.html pointing at them (revalidated), and the icon. Runs as part of
// `npm run build`; nothing is fetched at run time.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const src = 'src/console/web';
const out = 'dist/console';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: [join(src, 'app.tsx'), join(src, 'style.css')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome120', 'firefox120', 'safari17'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: out,
  entryNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((f) => f.startsWith('app-') && f.endsWith('.js'));
const css = outputs.find((f) => f.startsWith('style-') && f.endsWith('.css'));
if (!js || !css) throw new Error(`console build produced ${outputs.join(', ')}`);
writeFileSync(join(out, 'index.html'), readFileSync(join(src, 'index.html'), 'utf8').replace('{{JS}}', js).replace('{{CSS}}', css));
copyFileSync(join(src, 'favicon.svg'), join(out, 'favicon.svg'));
