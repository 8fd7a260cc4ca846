#!/usr/bin/env node
// The josh CLI runs the TypeScript sources through tsx, so `npx josh` always runs the code
// you see (no stale build); tsx compiles each file once and caches it.
'use strict';
require('tsx/cjs');
// Before anything allocates much: a full collection when the old generation has doubled, not
// grown up to 4× (src/runtime/heapPolicy.ts).
try {
  require('../src/runtime/heapPolicy.ts').applyHeapPolicy();
} catch (err) {
  process.stderr.write(`josh: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
require('../src/cli/main.ts');
