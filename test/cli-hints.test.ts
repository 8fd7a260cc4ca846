// The command lines the CLI prints for a person to copy ("export with: npx josh export <dir> ...")
// stay one word per path when pasted into a shell: a run directory with a space or a quote in it
// is quoted, POSIX style.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { shellQuote } from '../src/cli/shellQuote';

const JOSH = path.resolve(__dirname, '..', 'bin', 'josh.js');

/** The words a POSIX shell makes of `line`. */
function shellWords(line: string): string[] {
  const r = spawnSync('sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\0').slice(0, -1);
}

void test('shellQuote: safe words as they are, anything else one single-quoted word', () => {
  for (const safe of ['runs/r1', '/tmp/a-b_c.d', 'x:1', 'a,b@c%d+e']) assert.equal(shellQuote(safe), safe);
  for (const word of ['sp ace', "it's", '', '$HOME', '*', 'a\nb', '~/x', 'a;b', '"q"', "''", '\\'])
    assert.deepEqual(shellWords(shellQuote(word)), [word], JSON.stringify(word));
  assert.equal(shellQuote('/tmp/rd/sp ace'), "'/tmp/rd/sp ace'");
});

void test('josh harvest --out with a space and a quote: the "export with" line pastes as one path', async () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-hints-'));
  const out = path.join(cwd, "sp ace/it's");
  // No cluster, no model endpoint: the embedded server and the simulated model.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(TEMPORAL_|OPENAI_)/.test(k)),
  );
  const args = ['harvest', '--id', 'hint', '--tasks', 'MUL0013.json', '--beam', '2', '--max-steps', '3'];
  const child = spawn(process.execPath, [JOSH, ...args, '--out', out], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  clearTimeout(timer);
  assert.equal(code, 0, stderr);
  const hint = /export with:?\s+npx (josh export .*)$/m.exec(stdout);
  assert.ok(hint, stdout);
  assert.deepEqual(shellWords(hint[1]), ['josh', 'export', out, '--format', 'openai-sft']);
  fs.rmSync(cwd, { recursive: true, force: true });
});
