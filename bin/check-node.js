// Coffer runs on the Node.js lines named by package.json's engines field. On an older Node the
// dependencies fail deep inside (better-sqlite3 13 segfaults on Node 20), so the `coffer`
// command, `npm start` and `npm test` check first and say in one line what is needed.
// Plain JavaScript with nothing but built-ins, so it runs on any Node that can load ESM.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The lowest supported major version, from `engines.node` (">=22"). */
function minimumMajor() {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const m = /^>=\s*(\d+)/.exec(pkg.engines?.node ?? '');
  return m ? Number(m[1]) : 0;
}

/** Exits with one line on stderr when this Node is older than Coffer supports. */
export function checkNode() {
  const min = minimumMajor();
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= min) return;
  process.stderr.write(`coffer: needs Node.js ${min} or newer (the LTS lines 22, 24 and 26); this is Node.js ${process.versions.node}. See "Building" in the README.\n`);
  process.exit(1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) checkNode();
