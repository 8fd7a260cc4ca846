// This package's own name and version, from its package.json (the CLI's --version, a run's
// provenance record).
import * as fs from 'node:fs';
import * as path from 'node:path';

export const PRODUCT = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'),
) as {
  name: string;
  version: string;
};
