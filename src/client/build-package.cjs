// Builds dist/, the package entry point's compiled form: the client API and what it imports, as
// CommonJS with .d.ts files. npm runs it as `prepare`: on `npm pack` and `npm publish`, on git
// installs, and on `npm install` in a checkout. Where TypeScript is not installed (a production
// install, e.g. the Docker image) it does nothing: the CLI runs from src/ and needs no dist/.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, loaded without a TypeScript loader */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

function build() {
  const root = path.resolve(__dirname, '..', '..');
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  } catch {
    process.stderr.write('josh-harvest: TypeScript is not installed; dist/ not built\n');
    return;
  }
  fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  execFileSync(process.execPath, [tsc, '-p', path.join(__dirname, 'tsconfig.package.json')], {
    stdio: 'inherit',
  });
}

build();
