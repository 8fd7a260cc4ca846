// Model calls recorded in the result files of every run under a runs root: what the runs paid
// for, to compare with what the simulated model served (nothing paid twice).
import * as fs from 'node:fs';
import * as path from 'node:path';

export function callsInResults(runsRoot: string): number {
  let n = 0;
  for (const run of fs.existsSync(runsRoot) ? fs.readdirSync(runsRoot) : []) {
    const dir = path.join(runsRoot, run, 'conversations');
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as {
        usage: { agent: { calls: number }; user: { calls: number } };
      };
      n += r.usage.agent.calls + r.usage.user.calls;
    }
  }
  return n;
}
