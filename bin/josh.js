#!/usr/bin/env node
// The josh CLI runs the TypeScript sources through tsx, so `npx josh` always runs the code
// you see (no stale build); tsx compiles each file once and caches it.
'use strict';
require('tsx/cjs');
require('../src/cli/main.ts');
