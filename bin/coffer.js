#!/usr/bin/env node
// The `coffer` command; the TypeScript build lives in dist/.
import '../dist/src/cli/main.js';
