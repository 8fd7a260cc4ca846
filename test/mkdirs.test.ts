// mkdirs (src/util/mkdirs.ts): `mkdir -p` that ends with an error where Node's recursive mkdir
// spins forever (a parent that exists but refuses new entries with ENOENT: /proc, /sys), and the
// atomic writes built on it say so in one line naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { mkdirs } from '../src/util/mkdirs';

const haveProc = fs.existsSync('/proc/self');

void test('makes the missing levels and returns the first one made, like mkdirSync recursive', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-mkdirs-'));
  const deep = path.join(root, 'a', 'b', 'c');
  assert.equal(mkdirs(deep), path.join(root, 'a'));
  assert.ok(fs.statSync(deep).isDirectory());
  assert.equal(mkdirs(deep), undefined, 'already there');
  assert.equal(mkdirs(path.join(root, 'm'), 0o700), path.join(root, 'm'));
  assert.equal(fs.statSync(path.join(root, 'm')).mode & 0o777, 0o700 & ~process.umask());
});

void test('a file in the way is EEXIST (the directory itself) or ENOTDIR (a parent)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-mkdirs-'));
  const file = path.join(root, 'f');
  fs.writeFileSync(file, '');
  assert.throws(() => mkdirs(file), { code: 'EEXIST' });
  assert.throws(() => mkdirs(path.join(file, 'x', 'y')), { code: 'ENOTDIR' });
});

void test(
  'a parent that refuses new entries (/proc) is an error, not an endless loop',
  { skip: !haveProc && 'no /proc here' },
  () => {
    // Node 20's fs.mkdirSync('/proc/nope/x', { recursive: true }) never returns: run in a child with
    // a time limit, so a regression fails this test instead of hanging the suite.
    const script = `
    const { mkdirs } = require('./src/util/mkdirs');
    const { writeFileAtomic } = require('./src/util/atomicWrite');
    const said = [];
    for (const f of [() => mkdirs('/proc/josh-nope/x'), () => writeFileAtomic('/proc/josh-nope/out.jsonl', 'x')]) {
      try { f(); said.push('no error'); } catch (e) { said.push(e.constructor.name + ' ' + (e.code ?? '') + ' ' + e.message); }
    }
    console.log(JSON.stringify(said));`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: path.join(__dirname, '..'),
      encoding: 'utf8',
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    assert.equal(run.signal, null, 'mkdirs did not return (killed after 60 s)');
    const [made, written] = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as string[];
    assert.match(made, /^Error ENOENT /);
    assert.match(written, /^WriteError .*\/proc\/josh-nope\/out\.jsonl/);
  },
);
