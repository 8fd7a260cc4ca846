// The package entry point: the compiled client API in dist/ (built by the `prepare` script), or,
// when an install skipped that build (npm's install-script approvals can block it for git
// dependencies), the same API from the TypeScript sources through tsx, as the josh CLI runs.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, loaded without a TypeScript loader */
const fs = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, '..', '..', 'dist', 'index.js');
module.exports = fs.existsSync(compiled)
  ? require(compiled)
  : require('tsx/cjs/api').require('../index.ts', __filename);
