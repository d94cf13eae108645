#!/usr/bin/env node
// Runs every compiled test file. Node 20 reads `--test` arguments as paths and Node 21+ as
// globs, so the files are listed explicitly.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...find(p));
    else if (entry.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
const files = [...find('dist/src'), ...find('dist/test')].filter((f) => filter.length === 0 || filter.some((s) => f.includes(s))).sort();
const r = spawnSync(process.execPath, ['--test', '--enable-source-maps', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
