// A τ-bench retail harvest over Temporal (issue 13): tools that write a database, one state per
// branch. The model is a small scripted OpenAI-compatible endpoint (the simulated model does not
// play τ-bench yet): in every agent turn it changes the customer's address to a street named
// after the call's seed — so sibling branches write different addresses — then reads the
// customer back, in some branches makes the task's gold call, then speaks. Each turn must read back its own write and never a sibling's.
// Both turn shapes run; their histories replay; exports and the report are written.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { getEnvironment } from '../src/env';
import { resolveDataDir } from '../src/env/dataDir';
import { EXPORT_FORMATS, exportRun } from '../src/export';
import { loadRunWithTrees } from '../src/eval/load';
import { buildReportData } from '../src/report/data';
import { readConversations, withStack } from './helpers/harvest';
import { JOSH } from './helpers/chaos';
import { replayProductWorkflows } from './helpers/temporal';

const TASK = 'dev-0';

interface ChatBody {
  messages: { role: string; content?: string | null; tool_calls?: unknown[] }[];
  tools?: unknown[];
  seed?: number;
}

/** The scripted endpoint: the agent's three calls per turn, and a customer who asks again. */
function scriptedModel(userId: string, gold: Record<string, unknown>): http.Server {
  let n = 0;
  const completion = (message: Record<string, unknown>) => ({
    id: `cmpl-${++n}`,
    object: 'chat.completion',
    created: 0,
    model: 'scripted',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
  const call = (name: string, args: Record<string, unknown>) =>
    completion({
      content: null,
      tool_calls: [
        { id: `call_${n}`, type: 'function', function: { name, arguments: JSON.stringify(args) } },
      ],
    });
  return http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as ChatBody;
      let reply;
      if (!body.tools) {
        reply = completion({ content: 'I would like to change my address, please.' });
      } else {
        // Tool results since the customer last spoke: where this turn is.
        const lastUser = body.messages.map((m) => m.role).lastIndexOf('user');
        const done = body.messages.slice(lastUser + 1).filter((m) => m.role === 'tool').length;
        const users = body.messages.filter((m) => m.role === 'user').length;
        if (done === 0) {
          reply = call('modify_user_address', {
            user_id: userId,
            address1: `${body.seed ?? 0} Seed Street`,
            address2: '',
            city: 'Springfield',
            state: 'IL',
            country: 'USA',
            zip: '62701',
          });
        } else if (done === 1) {
          reply = call('get_user_details', { user_id: userId });
        } else if (done === 2 && users >= 2 && (body.seed ?? 0) % 2 === 1) {
          // From the second step on, some branches also make the task's gold call, so the search
          // rewards, collapses and harvests.
          reply = call('cancel_pending_order', gold);
        } else {
          reply = completion({ content: 'Your address is updated.' });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply));
    });
  });
}

interface Turn {
  messages: { role: string; name?: string; content: string | null }[];
  calls: { name: string; arguments: Record<string, unknown> }[];
}

for (const turns of ['child', 'activity'] as const) {
  void test(`tau-retail over Temporal (${turns} turns): sibling branches each see only their own database writes; results, exports, report and replay`, async () => {
    const env = getEnvironment('tau-retail', resolveDataDir());
    const task = env.getTask(TASK);
    const model = scriptedModel(task.userId!, task.goalCalls[0].parameters);
    await new Promise<void>((resolve) => model.listen(0, '127.0.0.1', resolve));
    after(() => model.close());
    const url = `http://127.0.0.1:${(model.address() as AddressInfo).port}/v1`;
    await withStack({ llmBaseURL: url }, async (stack) => {
      const id = `t-tau-${turns}-${Date.now()}`;
      const progress = await stack.run({
        id,
        env: 'tau-retail',
        split: 'dev',
        taskIds: [TASK],
        beamSize: 4,
        branching: 2,
        maxSteps: 2,
        // Write, read back, the gold call and a word to the customer: four calls in a turn.
        maxAgentCallsPerTurn: 4,
        turns,
      });
      assert.equal(progress.status, 'done');
      assert.equal(progress.done, 1);
      const runDir = path.join(stack.runsRoot, id);
      const [result] = readConversations(runDir);
      assert.equal(result.env, 'tau-retail');
      const tree = result.tree as { parentId: number | null; turns: Turn[] }[];

      // Every turn wrote its own street, then read the customer back: it sees its write.
      const streets = new Set<string>();
      let checked = 0;
      for (const node of tree) {
        for (const turn of node.turns) {
          const write = turn.calls.find((c) => c.name === 'modify_user_address');
          const read = turn.messages.filter((m) => m.role === 'tool' && m.name === 'get_user_details').at(-1);
          assert.ok(write && read, 'each turn wrote and read');
          const street = String(write.arguments.address1);
          streets.add(street);
          assert.ok(
            read.content!.includes(`"address1": "${street}"`),
            `the read shows ${street}: ${read.content}`,
          );
          checked += 1;
        }
      }
      // Siblings wrote different streets, and none of them saw another's.
      assert.ok(
        checked >= 6 && streets.size === checked,
        `${checked} turns, ${streets.size} distinct streets`,
      );
      for (const node of tree) {
        for (const turn of node.turns) {
          const read = turn.messages
            .filter((m) => m.role === 'tool' && m.name === 'get_user_details')
            .at(-1)!;
          const own = String(turn.calls.find((c) => c.name === 'modify_user_address')!.arguments.address1);
          for (const other of streets) if (other !== own) assert.ok(!read.content!.includes(other));
        }
      }
      // The final reward (database and outputs) was scored where the data is: the address change
      // is not the task's gold action, so the database differs.
      const final = result.finalReward as { reward: number; info: { dbMatch: boolean } };
      assert.deepEqual([final.reward, final.info.dbMatch], [0, false]);

      // Every export format is written from the run (the policy as system prompt), and the report.
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-tau-exports-'));
      for (const format of EXPORT_FORMATS) {
        const file = path.join(out, `${format}.jsonl`);
        exportRun(runDir, format, {
          environment: (name) => getEnvironment(name, stack.dataDir),
          out: file,
          includePartial: true,
        });
        assert.ok(fs.existsSync(file), `${format} written`);
      }
      const kto = fs.readFileSync(path.join(out, 'trl-kto.jsonl'), 'utf8');
      assert.ok(kto.length > 0, 'preference rows from the branches');
      const system = JSON.stringify(env.agentSystemPrompt('function-calling').slice(0, 300)).slice(1, -1);
      assert.ok(kto.includes(system), 'the exported system prompt is the retail agent prompt (its policy)');
      const report = spawnSync(
        process.execPath,
        [JOSH, 'report', runDir, '--out', path.join(out, 'report.html')],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(report.status, 0, report.stderr);
      assert.match(fs.readFileSync(path.join(out, 'report.html'), 'utf8'), /tau-retail/);
      // The report carries the final reward and what decided it, for the conversation's view.
      const data = buildReportData(loadRunWithTrees(runDir), {
        uiUrl: 'http://ui',
        namespace: 'default',
        environment: env,
      });
      const shown = JSON.parse(gunzipSync(Buffer.from(data.trees[0], 'base64')).toString('utf8')) as {
        final: { reward: number; info: { dbMatch: boolean } } | null;
      };
      assert.deepEqual([shown.final?.reward, shown.final?.info.dbMatch], [0, false]);

      // The recorded histories replay on the current code.
      const ids = [id];
      for await (const wf of stack.client.workflow.list({ query: `JoshHarvestId="${id}"` }))
        if (wf.workflowId !== id) ids.push(wf.workflowId);
      const histories = await Promise.all(
        ids.map(async (workflowId) => ({
          workflowId,
          history: await stack.client.workflow.getHandle(workflowId).fetchHistory(),
        })),
      );
      let replayed = 0;
      for await (const r of replayProductWorkflows(histories, `tau-replay-${turns}`)) {
        assert.equal(r.error, undefined, `${r.workflowId}: ${String(r.error)}`);
        replayed += 1;
      }
      assert.equal(replayed, histories.length);
    });
  });
}
