// `josh demo --env tau-retail` (npm run demo -- --env tau-retail): the offline demo on τ-bench
// retail, as a user runs it — embedded Temporal server, the simulated model playing the τ customer
// and the τ agent, a harvest, and every export format written.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const JOSH = path.resolve(__dirname, '..', 'bin', 'josh.js');

void test('josh demo --env tau-retail harvests τ-bench retail offline and exports every format', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-demo-tau-'));
  const env = { ...process.env };
  delete env.OPENAI_BASE_URL; // the demo's own simulated model
  const r = spawnSync(process.execPath, [JOSH, 'demo', '--env', 'tau-retail', '--limit', '2', '--out', out], {
    encoding: 'utf8',
    timeout: 540_000,
    env,
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /Demo harvest finished/);
  assert.match(r.stdout, /tau-retail\/train/);
  assert.match(r.stdout, /conversations\s+2\/2/);
  const formats = ['openai-sft', 'trl-sft', 'trl-kto', 'trl-dpo', 'openai-dpo', 'sharegpt'];
  for (const f of formats) {
    assert.match(r.stdout, new RegExp(`${f}\\s+\\d+ examples`));
    assert.ok(fs.existsSync(path.join(out, 'exports', `${f}.jsonl`)), f);
  }
  // The conversations are τ-bench ones: the customer speaks for its scenario, the agent calls τ tools.
  const convs = fs.readdirSync(path.join(out, 'conversations')).filter((f) => f.endsWith('.json'));
  assert.equal(convs.length, 2);
  const text = convs.map((f) => fs.readFileSync(path.join(out, 'conversations', f), 'utf8')).join('\n');
  assert.match(text, /find_user_id_by_(email|name_zip)/);
  assert.match(text, /#W\d{7}/);
  fs.rmSync(out, { recursive: true, force: true });
});
