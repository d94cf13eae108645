#!/usr/bin/env node
// The `coffer` command; the TypeScript build lives in dist/. The Node version is checked before
// anything that needs a supported one is loaded.
import { checkNode } from './check-node.js';

checkNode();
await import('../dist/src/cli/main.js');
