// Bad input at the edges a person touches: config files, flags, data directories, dataset files
// and run directories. Every case runs the real `josh` CLI in an empty working directory and
// expects what a user would: a non-zero exit, one line on stderr that names the problem (the file,
// flag or field), no stack trace, and nothing written — no run directory, no `runs/`, no export,
// no embedded server state. (Model misbehaviour inside a conversation: badinput-model.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveDataDir } from '../src/env/dataDir';
import { writeRun } from './fixtures/exportResults';

const JOSH = path.resolve(__dirname, '..', 'bin', 'josh.js');
const sharedData = resolveDataDir();

interface Case {
  name: string;
  /** Files to create in the working directory first (relative path → content). */
  files?: Record<string, string>;
  /** Prepare the working directory (symlinks...). */
  setup?: (cwd: string) => void;
  args: string[];
  /** Extra environment; a function when it depends on the machine (a free port...). */
  env?: NodeJS.ProcessEnv | (() => Promise<NodeJS.ProcessEnv>);
  /** What the one line on stderr must say. */
  error: RegExp;
  /** Must appear nowhere in the output (a secret). */
  never?: string;
}

/** A copy of the data directory (as symlinks) with one ToolWOZ file replaced. */
function dataWith(relative: string, content: string) {
  return (cwd: string): void => {
    const data = path.join(cwd, 'data');
    fs.mkdirSync(path.join(data, 'toolwoz', 'data'), { recursive: true });
    fs.symlinkSync(path.join(sharedData, 'multiwoz'), path.join(data, 'multiwoz'));
    for (const entry of fs.readdirSync(path.join(sharedData, 'toolwoz'))) {
      if (entry !== 'data')
        fs.symlinkSync(path.join(sharedData, 'toolwoz', entry), path.join(data, 'toolwoz', entry));
    }
    for (const entry of fs.readdirSync(path.join(sharedData, 'toolwoz', 'data'))) {
      const target = path.join(data, 'toolwoz', 'data', entry);
      if (path.join('toolwoz', 'data', entry) === relative) fs.writeFileSync(target, content);
      else fs.symlinkSync(path.join(sharedData, 'toolwoz', 'data', entry), target);
    }
  };
}

/** A data directory whose τ-bench retail lacks `missing` (the rest linked to the shared data). */
function retailWithout(missing: string) {
  return (cwd: string): void => {
    const data = path.join(cwd, 'data');
    const retail = path.join(data, 'taubench', 'retail');
    fs.mkdirSync(retail, { recursive: true });
    for (const d of ['multiwoz', 'toolwoz']) fs.symlinkSync(path.join(sharedData, d), path.join(data, d));
    for (const entry of fs.readdirSync(path.join(sharedData, 'taubench', 'retail'))) {
      if (entry !== missing)
        fs.symlinkSync(path.join(sharedData, 'taubench', 'retail', entry), path.join(retail, entry));
    }
  };
}

/** A run directory with one good-looking and one corrupt conversation file. */
function runWithCorruptFile(cwd: string): void {
  const dir = path.join(cwd, 'run', 'conversations');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(cwd, 'run', 'harvest.json'), '{"config": {"id": "r"}, "status": "done"}\n');
  fs.writeFileSync(
    path.join(dir, 'MUL0001.json'),
    '{"version": 1, "runId": "r", "taskId": "MUL0001.json", "tr',
  );
}

const HARVEST = ['harvest', '--out', 'out'];
/** A run's settings are checked before anything starts: no `runs/<id>/.temporal` is left behind. */
const RUN = ['harvest', '--id', 'r1', '--limit', '1'];
/** A val task and a test task (ToolWOZ splits are lists of MultiWOZ dialogue ids). */
const VAL_TASK = 'MUL0013.json';
const TEST_TASK = 'MUL0003.json';

const CASES: Case[] = [
  // config files
  {
    name: 'config file that does not exist',
    args: [...HARVEST, '--config', 'run.yaml'],
    error: /--config run\.yaml: no such file/,
  },
  {
    name: 'config file with a YAML syntax error',
    files: { 'run.yaml': 'split: val\nbeamSize: [4\nmaxSteps: 3\n' },
    args: [...HARVEST, '--config', 'run.yaml'],
    error: /--config run\.yaml: not valid YAML or JSON: .* at line \d+, column \d+$/,
  },
  {
    name: 'config file that is a list, not settings',
    files: { 'run.json': '[{"beamSize": 4}]' },
    args: [...HARVEST, '--config', 'run.json'],
    error: /--config run\.json: expected run settings as key: value pairs .*got a list/,
  },
  {
    name: 'config file with a misspelt setting',
    files: { 'run.yaml': 'split: val\nbeamsize: 4\n' },
    args: [...HARVEST, '--config', 'run.yaml'],
    error: /^josh: run\.yaml: unknown field 'beamsize' \(did you mean 'beamSize'\?\)$/,
  },
  {
    name: 'config file with a value of the wrong type',
    files: { 'run.json': '{"split": "val", "beamSize": "four"}' },
    args: [...HARVEST, '--config', 'run.json'],
    error: /^josh: run\.json: beamSize: .*expected number/,
  },
  {
    name: 'config file with a value out of range',
    files: { 'run.yaml': 'maxSteps: 1000\n' },
    args: [...HARVEST, '--config', 'run.yaml'],
    error: /^josh: run\.yaml: maxSteps: Too big/,
  },
  {
    name: 'config file for another mode',
    files: { 'run.yaml': 'mode: eval\n' },
    args: [...HARVEST, '--config', 'run.yaml'],
    error: /run\.yaml: mode: "eval", but this command runs mode "harvest"/,
  },
  // flags
  {
    name: 'a flag that is not a number',
    args: [...HARVEST, '--beam', 'four'],
    error: /^josh: --beam: expected a whole number 1\.\.64, got "four"$/,
  },
  ...['NaN', '1e9', '2.5', ''].map((v): Case => ({
    name: `a whole-number flag given ${JSON.stringify(v)}`,
    args: [...HARVEST, '--beam', v],
    error: new RegExp(`^josh: --beam: expected a whole number 1\\.\\.64, got "${v.replace('.', '\\.')}"$`),
  })),
  {
    name: 'a flag that is not a number, in another command',
    args: [...HARVEST, '--agent-temperature', 'warm'],
    error: /^josh: --agent-temperature: expected a number, got "warm"$/,
  },
  {
    name: 'a flag out of range',
    args: [...HARVEST, '--beam', '0'],
    error: /^josh: --beam: expected a whole number 1\.\.64, got "0"$/,
  },
  {
    name: 'a harvest at temperature 0',
    args: [...HARVEST, '--agent-temperature', '0'],
    error: /run options: agentTemperature: JOSH needs a sampling agent/,
  },
  {
    name: 'a misspelt flag',
    args: [...HARVEST, '--beem', '4'],
    error: /unknown option '--beem' \(did you mean --beam\?\)/,
  },
  {
    name: 'a value not among the choices',
    args: [...HARVEST, '--user-sim', 'gpt'],
    error: /'--user-sim <kind>' argument 'gpt' is invalid/,
  },
  {
    name: 'a run id with spaces',
    args: [...HARVEST, '--id', 'my run'],
    error: /run options: id: letters, digits/,
  },
  {
    name: 'a Temporal address that is not host:port',
    args: [...HARVEST, '--address', 'localhost'],
    error: /--address: must be host:port/,
  },
  // data directories
  {
    name: 'a data directory that does not exist',
    args: [...HARVEST, '--data-dir', 'nowhere'],
    error: /data directory .*nowhere does not exist/,
  },
  {
    name: 'a data directory without the data',
    setup: (cwd) => fs.mkdirSync(path.join(cwd, 'empty')),
    args: [...HARVEST, '--data-dir', 'empty'],
    error: /no MultiWOZ data/,
  },
  {
    name: 'JOSH_DATA_DIR pointing nowhere',
    args: HARVEST,
    env: { JOSH_DATA_DIR: '/nonexistent/josh-data' },
    error: /data directory \/nonexistent\/josh-data does not exist/,
  },
  // dataset files
  {
    name: 'a tool schema file that is not JSON',
    setup: dataWith('toolwoz/data/tools.json', '[{"type": "function", "function": {"name": '),
    args: [...HARVEST, '--data-dir', 'data', '--limit', '1'],
    error: /tools\.json: the ToolWOZ tool schemas is not valid JSON/,
  },
  {
    name: 'a tool schema file of the wrong shape',
    setup: dataWith('toolwoz/data/tools.json', '{"tools": []}'),
    args: [...HARVEST, '--data-dir', 'data', '--limit', '1'],
    error: /tools\.json: expected a JSON array of OpenAI function tools/,
  },
  {
    // Read only by the agent's turns: it was found once the run had started, and retried.
    name: 'a τ-bench policy that is missing',
    setup: retailWithout('policy.md'),
    args: [...HARVEST, '--data-dir', 'data', '--env', 'tau-retail', '--split', 'dev', '--limit', '1'],
    error: /taubench\/retail\/policy\.md: cannot read the agent policy/,
  },
  {
    name: 'a split that does not exist',
    args: [...HARVEST, '--split', 'dev'],
    error: /unknown ToolWOZ split "dev"/,
  },
  {
    name: 'a task id that does not exist',
    args: [...HARVEST, '--tasks', 'NOPE.json'],
    error: /unknown task id "NOPE\.json"/,
  },
  {
    name: 'a split window past its end',
    args: [...HARVEST, '--start', '100000'],
    error:
      /no tasks selected: --start \(start\) 100000 is past the end of the val split \(\d+ solvable tasks\)/,
  },
  // It said only "no tasks selected (val, start 3)": that --start applies to --tasks was left unsaid.
  {
    name: '--start past the end of the tasks listed in --tasks',
    args: [...HARVEST, '--tasks', 'MUL0013.json,MUL0016.json', '--start', '3'],
    error:
      /no tasks selected: --start \(start\) 3 is past the end of the 2 tasks listed in --tasks \(taskIds\) \(2 solvable tasks\); --start applies to the listed tasks too$/,
  },
  {
    name: '--tasks listing only an unsolvable task',
    args: [...HARVEST, '--tasks', 'MUL0051.json'],
    error:
      /no tasks selected: the 1 task listed in --tasks \(taskIds\) is unsolvable \(--include-unsolvable runs it\)$/,
  },
  // Commas alone were read as "no --tasks listed" further on, and the window said every one of
  // "the 0 tasks listed" was unsolvable.
  {
    name: '--tasks of commas only',
    args: [...HARVEST, '--tasks', ',,,'],
    error: /^josh: --tasks: expected comma-separated task ids \(e\.g\. MUL0003,SNG0073\), got ",,,"$/,
  },
  {
    name: 'josh tasks --tasks of blanks only',
    args: ['tasks', '--tasks', ' , '],
    error: /^josh: --tasks: expected comma-separated task ids .*got " , "$/,
  },
  {
    name: 'loop --train-tasks of commas only',
    args: ['loop', '--format', 'sft', '--train-tasks', ',,'],
    error: /^josh: --train-tasks: expected comma-separated task ids .*got ",,"$/,
  },
  {
    name: 'config file with an empty task list',
    files: { 'run.json': '{"taskIds": []}' },
    args: [...HARVEST, '--config', 'run.json'],
    error: /^josh: run\.json: taskIds: Too small: expected array to have >=1 items$/,
  },
  // a run's settings, checked before anything starts (issue 12, item 9)
  {
    name: 'a --prompts file that does not exist',
    args: [...RUN, '--prompts', 'prompts.json'],
    error: /--prompts prompts\.json: no such file/,
  },
  {
    name: 'a --prompts that is a directory',
    setup: (cwd) => fs.mkdirSync(path.join(cwd, 'prompts')),
    args: [...RUN, '--prompts', 'prompts'],
    error: /--prompts prompts: is a directory/,
  },
  {
    name: 'a --prompts file with an unknown prompt',
    setup: (cwd) => fs.writeFileSync(path.join(cwd, 'p.json'), '{"agent_sytem": "hi"}'),
    args: [...RUN, '--prompts', 'p.json'],
    error: /p\.json: unknown prompt "agent_sytem"/,
  },
  {
    name: 'a bad TEMPORAL_NAMESPACE with the embedded server',
    args: RUN,
    env: { TEMPORAL_NAMESPACE: 'bad ns' },
    error: /TEMPORAL_NAMESPACE: must be a namespace name/,
  },
  {
    name: 'a bad TEMPORAL_TLS with the embedded server',
    args: RUN,
    env: { TEMPORAL_TLS: 'maybe' },
    error: /TEMPORAL_TLS/,
  },
  {
    name: 'an OPENAI_BASE_URL that is not a URL',
    args: RUN,
    env: { OPENAI_BASE_URL: 'localhost:8000' },
    error: /OPENAI_BASE_URL must be an? (http\(s\) )?URL/,
  },
  {
    name: 'a model endpoint that refuses connections',
    args: RUN,
    env: async () => ({ OPENAI_BASE_URL: `http://127.0.0.1:${await closedPort()}/v1` }),
    error: /cannot reach the model endpoint at 127\.0\.0\.1:\d+: connection refused/,
  },
  {
    name: 'a model endpoint on a port HTTP clients refuse',
    args: RUN,
    env: { OPENAI_BASE_URL: 'http://127.0.0.1:6000/v1' },
    error: /model endpoint at 127\.0\.0\.1:6000: HTTP clients refuse port 6000/,
  },
  {
    name: 'a model endpoint whose host does not resolve (the key is not printed)',
    args: RUN,
    env: { OPENAI_BASE_URL: 'http://no-such-host.invalid/v1', OPENAI_API_KEY: 's3cret-key' },
    error: /cannot reach the model endpoint at no-such-host\.invalid:80: host name does not resolve/,
    never: 's3cret-key',
  },
  {
    name: 'josh tasks with a task id listed twice',
    args: ['tasks', '--split', 'val', '--tasks', 'MUL0003.json,MUL0003.json'],
    error: /--tasks lists MUL0003\.json twice/,
  },
  {
    name: 'josh compare given a file where a run directory is due',
    setup: (cwd) => fs.writeFileSync(path.join(cwd, 'a.json'), '{}'),
    args: ['compare', 'a.json', 'a.json'],
    error: /a\.json is a file, not a run directory/,
  },
  // The simulated model's world is ToolWOZ's, whatever the run's environment: a τ-bench-only data
  // directory was refused only after the run's embedded server had made runs/<id>/.temporal.
  {
    name: 'a τ-airline harvest on the simulated model with a data directory without ToolWOZ',
    setup: (cwd: string) => {
      fs.mkdirSync(path.join(cwd, 't'));
      fs.symlinkSync(path.join(resolveDataDir(), 'taubench'), path.join(cwd, 't', 'taubench'));
    },
    args: ['harvest', '--env', 'tau-airline', '--data-dir', 't', '--limit', '1', '--id', 'ta1'],
    error:
      /the simulated model \(no OPENAI_BASE_URL set\) needs the ToolWOZ databases .*restaurant_db\.json.*josh data fetch/,
  },
  // --out on another run's directory: refused before the embedded server starts there (it keeps
  // its state in the run directory, so the other run's database recorded the refused run).
  {
    name: "--out on another run's directory",
    setup: (cwd: string) => {
      fs.mkdirSync(path.join(cwd, 'other'));
      fs.writeFileSync(
        path.join(cwd, 'other', 'harvest.json'),
        JSON.stringify({ config: { id: 'someone-else' } }),
      );
    },
    args: [...RUN, '--out', 'other'],
    error: /other holds run someone-else: run r1 needs a directory of its own \(another --out\)$/,
  },
  // Work of another kind in the directory: a run took a training's or a campaign's, a training a
  // run's (`--id` equal to the run's), each writing among the other's files.
  {
    name: "harvest --out a training's directory",
    setup: (cwd) => {
      fs.mkdirSync(path.join(cwd, 't'));
      fs.writeFileSync(path.join(cwd, 't', 'train.json'), '{"config": {"id": "t"}}');
    },
    args: [...RUN, '--out', 't'],
    error: /t holds training t: run r1 needs a directory of its own \(another --out\)$/,
  },
  {
    name: "train with the run's own directory as its training directory",
    setup: (cwd) => fs.cpSync(writeRun(), path.join(cwd, 'runs', 'h1'), { recursive: true }),
    args: ['train', 'runs/h1', '--id', 'h1'],
    error: /runs\/h1 holds run run-test: training h1 needs a directory of its own \(another --id or --out\)$/,
  },
  {
    name: "train --out another training's directory",
    setup: (cwd) => {
      fs.cpSync(writeRun(), path.join(cwd, 'run'), { recursive: true });
      fs.mkdirSync(path.join(cwd, 'old'));
      fs.writeFileSync(path.join(cwd, 'old', 'train.json'), '{"config": {"id": "old"}}');
    },
    args: ['train', 'run', '--out', 'old'],
    error:
      /old holds training old: training train-run needs a directory of its own \(another --id or --out\)$/,
  },
  {
    name: "loop whose id is a harvest's",
    setup: (cwd) => fs.cpSync(writeRun(), path.join(cwd, 'runs', 'c1'), { recursive: true }),
    args: ['loop', '--id', 'c1', '--rounds', '1', '--train-limit', '1', '--test-limit', '1'],
    error: /runs\/c1 holds run run-test: campaign c1 needs a directory of its own \(another --id\)$/,
  },
  // A run whose conversations/ is a file: report and compare printed a stack trace (ENOTDIR),
  // export called it a write failure of its output.
  ...(['report', 'compare', 'export'] as const).map((cmd) => ({
    name: `josh ${cmd} on a run whose conversations/ is a file`,
    setup: (cwd: string) => {
      fs.cpSync(writeRun(), path.join(cwd, 'run'), { recursive: true });
      fs.rmSync(path.join(cwd, 'run', 'conversations'), { recursive: true });
      fs.writeFileSync(path.join(cwd, 'run', 'conversations'), 'x\n');
      // A finished run's manifest, as report and compare read it first.
      const manifest = path.join(cwd, 'run', 'harvest.json');
      fs.writeFileSync(
        manifest,
        JSON.stringify({ ...JSON.parse(fs.readFileSync(manifest, 'utf8')), status: 'done' }),
      );
    },
    args:
      cmd === 'compare'
        ? ['compare', 'run', 'run']
        : cmd === 'export'
          ? ['export', 'run', '--format', 'openai-sft']
          : ['report', 'run'],
    error: /run\/conversations is a file, not a directory/,
  })),
  {
    name: 'a Temporal address whose host does not resolve',
    args: [...RUN, '--address', 'no-such-host.invalid:7233'],
    error: /cannot reach Temporal at no-such-host\.invalid:7233: host name does not resolve/,
  },
  {
    name: 'TEMPORAL_ADDRESS whose host does not resolve',
    args: RUN,
    env: { TEMPORAL_ADDRESS: 'no-such-host.invalid:7233' },
    error: /cannot reach Temporal at no-such-host\.invalid:7233: host name does not resolve/,
  },
  {
    name: 'an --out that is a file',
    setup: (cwd) => fs.writeFileSync(path.join(cwd, 'notes.txt'), 'x'),
    args: [...RUN, '--out', 'notes.txt'],
    error: /--out notes\.txt: a file is in the way of the run directory/,
  },
  {
    name: 'an --out under a file',
    setup: (cwd) => fs.writeFileSync(path.join(cwd, 'notes.txt'), 'x'),
    args: [...RUN, '--out', 'notes.txt/run'],
    error: /--out notes\.txt\/run: a file is in the way of the run directory \(.*notes\.txt is a file\)/,
  },
  {
    name: 'a --data-dir that is a file',
    setup: (cwd) => fs.writeFileSync(path.join(cwd, 'notes.txt'), 'x'),
    args: [...RUN, '--data-dir', 'notes.txt'],
    error: /data directory .*notes\.txt is a file, not a directory/,
  },
  {
    name: 'the same task twice in --tasks',
    args: ['harvest', '--id', 'r1', '--tasks', `${VAL_TASK},${VAL_TASK}`],
    error: new RegExp(`"${VAL_TASK.replace('.', '\\.')}" is listed twice`),
  },
  {
    name: 'a --tasks task from another split than --split',
    args: ['harvest', '--id', 'r1', '--split', 'val', '--tasks', TEST_TASK],
    error: new RegExp(`task "${TEST_TASK.replace('.', '\\.')}" is not in split "val" \\(it is in test`),
  },
  {
    name: 'an eval of a --tasks task from another split than its default (test)',
    args: ['eval', '--id', 'r1', '--tasks', VAL_TASK],
    error: new RegExp(`task "${VAL_TASK.replace('.', '\\.')}" is not in split "test" \\(it is in val`),
  },
  // run directories (export)
  {
    name: 'export of a run directory that does not exist',
    args: ['export', 'no-such-run', '--format', 'openai-sft'],
    error: /run directory no-such-run does not exist/,
  },
  {
    name: 'data fetch with a timeout that is not a number',
    args: ['data', 'fetch', '--timeout', 'abc', '--data-dir', 'fetched'],
    error: /--timeout: expected a number, got "abc"/,
  },
  {
    name: 'data fetch into a --data-dir that is a file',
    setup: (cwd) => fs.writeFileSync(path.join(cwd, 'notes.txt'), 'x'),
    // Nothing listens on port 9: had the fetch started, it would fail another way.
    args: ['data', 'fetch', '--data-dir', 'notes.txt', '--base-url', 'http://127.0.0.1:9/'],
    error: /--data-dir notes\.txt: .*notes\.txt is a file, not a directory$/,
  },
  {
    name: 'data fetch with a timeout of 0',
    args: ['data', 'fetch', '--timeout', '0', '--data-dir', 'fetched'],
    error: /--timeout must be a positive number of seconds/,
  },
  {
    name: 'export of a file instead of a run directory',
    setup: (cwd) => fs.writeFileSync(path.join(cwd, 'readme.txt'), 'hi\n'),
    args: ['export', 'readme.txt', '--format', 'openai-sft'],
    error: /readme\.txt is a file, not a run directory/,
  },
  {
    name: 'report of a run id found neither as a path nor under runs/',
    args: ['report', 'no-such-id'],
    error: /run directory .*no-such-id does not exist \(nor .*runs\/no-such-id\)/,
  },
  {
    name: 'export of a run with a corrupt conversation file',
    setup: runWithCorruptFile,
    args: ['export', 'run', '--format', 'trl-dpo'],
    error: /conversations\/MUL0001\.json: not valid JSON/,
  },
  {
    name: 'export in a format that does not exist',
    args: ['export', '.', '--format', 'csv'],
    error: /format: expected one of/,
  },
  // josh train / josh loop (issue 15): refused before a server starts
  {
    name: 'train on a run directory that does not exist',
    args: ['train', 'no-such-run'],
    error: /run directory .*no-such-run does not exist/,
  },
  {
    name: 'train on a directory that is not a run',
    args: ['train', '.'],
    error: /is not a run directory \(it has no harvest\.json\)/,
  },
  // An empty --base-model fell back to the default model without a word.
  {
    name: 'train --base-model ""',
    setup: (cwd) => fs.cpSync(writeRun(), path.join(cwd, 'h'), { recursive: true }),
    args: ['train', 'h', '--base-model', ''],
    error: /^josh: train config: baseModel: Too small: expected string to have >=1 characters$/,
  },
  // Accepted, with a script that trained LoRA on 4 bits and a train.json that said lora: false.
  {
    name: 'train --qlora --no-lora',
    setup: (cwd) => fs.cpSync(writeRun(), path.join(cwd, 'h'), { recursive: true }),
    args: ['train', 'h', '--backend', 'trl', '--qlora', '--no-lora'],
    error:
      /^josh: train config: trl\.qlora: qlora trains LoRA adapters on a 4-bit base model; it cannot go with lora: false \(--no-lora\)$/,
  },
  {
    name: 'loop with a round count that is not a number',
    args: ['loop', '--rounds', 'two'],
    error: /--rounds: expected a whole number 1\.\.50, got "two"/,
  },
  {
    name: 'loop with a negative round count (a whole number, out of range)',
    args: ['loop', '--rounds', '-1'],
    error: /^josh: --rounds: expected a whole number 1\.\.50, got "-1"$/,
  },
  // The campaign's splits and tasks, checked as harvest checks its own: before the campaign (and
  // its whole round-0 eval) starts, not when round 1's harvest fails.
  {
    name: 'loop with a train split that does not exist',
    args: ['loop', '--train-split', 'nosuch', '--test-limit', '1', '--train-limit', '1', '--rounds', '1'],
    error: /--train-split nosuch: unknown ToolWOZ split "nosuch"/,
  },
  {
    name: 'loop with a test split that does not exist',
    args: ['loop', '--test-split', 'nosuch', '--test-limit', '1', '--rounds', '1'],
    error: /--test-split nosuch: unknown ToolWOZ split "nosuch"/,
  },
  {
    name: 'loop with a train task that does not exist',
    args: ['loop', '--train-tasks', 'NOPE.json', '--test-limit', '1', '--rounds', '1'],
    error: /--train-tasks: unknown task id "NOPE\.json"/,
  },
  {
    name: 'loop in an environment without its default train split',
    args: ['loop', '--env', 'tau-retail', '--test-limit', '1', '--rounds', '1'],
    error: /--train-split val: tau-retail has no split "val"/,
  },
  // A train whose workers include this process (--worker) reads the run here: checked before a
  // workflow starts, even with a cluster named (a closed port: nothing may connect to it).
  {
    name: 'train --worker against a cluster, on a run directory that does not exist',
    args: ['train', 'no-such-run', '--worker'],
    env: async () => ({ TEMPORAL_ADDRESS: `127.0.0.1:${await closedPort()}` }),
    error: /run directory .*no-such-run does not exist/,
  },
  {
    name: 'train on a run that has not finished (an interrupted harvest), without --allow-unfinished',
    setup: (cwd) => {
      fs.cpSync(writeRun(), path.join(cwd, 'run'), { recursive: true });
      fs.writeFileSync(path.join(cwd, 'run', 'harvest.json'), '{"config": {"id": "r"}, "status": "running"}');
    },
    args: ['train', 'run'],
    error:
      /run r has not finished \(harvest\.json: "running"\): only the 5 conversations written so far; train on it anyway with --allow-unfinished/,
  },
  {
    name: 'train on a run whose harvest.json is damaged',
    setup: (cwd) => {
      fs.cpSync(writeRun(), path.join(cwd, 'run'), { recursive: true });
      fs.writeFileSync(path.join(cwd, 'run', 'harvest.json'), '{"config": {"id": "r"}, "sta');
    },
    args: ['train', 'run'],
    error: /run\/harvest\.json: not valid JSON/,
  },
  {
    name: 'train on a run directory without conversations',
    files: { 'harvest.json': '{"config": {"id": "r"}, "status": "done"}' },
    args: ['train', '.'],
    error: /no conversations in .*conversations\/<taskId>\.json/,
  },
  // The worker in this process reads the variables `josh worker` reads, and refuses them as it does.
  // Read as "on" (the cache still used) by anything but "0".
  {
    name: 'harvest with JOSH_WORKFLOW_BUNDLE_CACHE that is not 0 or 1',
    args: RUN,
    env: { JOSH_WORKFLOW_BUNDLE_CACHE: 'maybe' },
    error: /^josh: JOSH_WORKFLOW_BUNDLE_CACHE: expected 0 \(off\) or 1 \(on\), got "maybe"$/,
  },
  // josh worker said the schema's field: "llmConcurrency: Invalid input: expected number, received NaN".
  {
    name: 'josh worker with JOSH_LLM_CONCURRENCY that is not a number',
    args: ['worker'],
    env: { JOSH_LLM_CONCURRENCY: 'abc' },
    error: /^josh: josh worker: JOSH_LLM_CONCURRENCY: expected a number, got "abc"$/,
  },
  {
    name: 'josh worker --llm-rate that is not positive',
    args: ['worker', '--llm-rate', '0'],
    error: /^josh: josh worker: --llm-rate: must be a positive number of calls per second, got "0"$/,
  },
  {
    name: 'harvest with JOSH_LLM_CONCURRENCY set to 0',
    args: RUN,
    env: { JOSH_LLM_CONCURRENCY: '0' },
    error: /^josh: JOSH_LLM_CONCURRENCY: must be at least 1, got "0"$/,
  },
  {
    name: 'harvest with JOSH_LLM_RATE that is not a number',
    args: RUN,
    env: { JOSH_LLM_RATE: 'abc' },
    error: /^josh: JOSH_LLM_RATE: expected a number, got "abc"$/,
  },
  {
    name: 'harvest with JOSH_PROMPTS_FILE naming no file',
    args: RUN,
    env: { JOSH_PROMPTS_FILE: 'no-such-prompts.yaml' },
    error: /^josh: JOSH_PROMPTS_FILE no-such-prompts\.yaml: no such file$/,
  },
  // josh harvest --baseline: one rollout per task, so a beam would be recorded but never used.
  {
    name: 'baseline with a beam',
    args: ['harvest', '--baseline', '--beam', '4'],
    error: /--beam 4: --baseline runs one rollout per task \(beam 1\)/,
  },
  // josh runs: an empty run id is refused before connecting (a closed port: nothing may connect).
  ...[['show'], ['pause'], ['resume'], ['cancel'], ['set', '--concurrency', '2']].map(
    ([sub, ...rest]): Case => ({
      name: `runs ${sub} of an empty run id`,
      args: ['runs', sub, '', ...rest],
      env: async () => ({ TEMPORAL_ADDRESS: `127.0.0.1:${await closedPort()}` }),
      error: /^josh: run id "": Too small/,
    }),
  ),
  // josh schedule: the same for an empty schedule id (it said "cannot reach Temporal" here).
  ...['show', 'pause', 'resume', 'trigger', 'delete'].map((sub): Case => ({
    name: `schedule ${sub} of an empty schedule id`,
    args: ['schedule', sub, ' '],
    env: async () => ({ TEMPORAL_ADDRESS: `127.0.0.1:${await closedPort()}` }),
    error: /^josh: schedule id " ": must not be empty$/,
  })),
  // Every upload failed later, retried by the client without end.
  {
    name: 'sim-model --state-dir that is a file',
    files: { state: 'x\n' },
    args: ['sim-model', '--port', '0', '--state-dir', 'state'],
    error: /^josh: simulated model state directory state: .*state is a file, not a directory$/,
  },
  // The server started and failed on its second bind, quoting an older line of its log.
  {
    name: 'server with one port for gRPC and the Web UI',
    args: ['server', '--port', '7655', '--ui-port', '7655'],
    error: /^josh: --port 7655 and --ui-port 7655: the gRPC frontend and the Web UI need a port each$/,
  },
  // It was mkdir's EEXIST stack, after provisioning the server.
  {
    name: 'cluster up --dir that is a file',
    files: { state: 'not a directory\n' },
    args: ['cluster', 'up', '--dir', 'state'],
    error: /^josh: --dir state is a file; expected a state directory$/,
  },
  // josh schedule create: refused before connecting (no server is named: none may be needed).
  {
    name: 'schedule whose config has a split that does not exist',
    files: { 'cfg.json': '{"split": "nosuch", "limit": 2}' },
    args: ['schedule', 'create', '--id', 'sc2', '--every', '1h', '--config', 'cfg.json', '--paused'],
    error: /cfg\.json: unknown ToolWOZ split "nosuch"/,
  },
  {
    name: 'schedule with both --every and --cron',
    files: { 'cfg.json': '{"split": "val", "limit": 2}' },
    args: [
      'schedule',
      'create',
      '--id',
      'sc3',
      '--every',
      '1h',
      '--cron',
      '0 3 * * *',
      '--config',
      'cfg.json',
    ],
    error: /--every and --cron: give one of them/,
  },
];

/** A local port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** The environment without TEMPORAL_* and OPENAI_* settings: no cluster, no model endpoint. */
function withoutConnection(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !/^(TEMPORAL_|OPENAI_)/.test(k)));
}

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [JOSH, ...args], {
    cwd,
    env: { ...withoutConnection(process.env), JOSH_DATA_DIR: '', JOSH_RUNS_DIR: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // A case that would hang (e.g. retrying an unreachable model forever) fails instead.
  const timer = setTimeout(() => {
    stderr += '\n(killed: still running after 120 s)';
    child.kill('SIGKILL');
  }, 120_000);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** Every path under `dir` (symlinks not followed). */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      out.push(path.relative(dir, p));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

test(`bad input: ${CASES.length} cases, each one clear line and nothing written`, async (t) => {
  assert.ok(CASES.length >= 15);
  // Several at a time: each is a short-lived CLI process that stops before any server starts.
  const queue = [...CASES];
  const failures: string[] = [];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-badinput-'));
        for (const [f, content] of Object.entries(c.files ?? {}))
          fs.writeFileSync(path.join(cwd, f), content);
        c.setup?.(cwd);
        const before = listing(cwd);
        const r = await run(c.args, cwd, typeof c.env === 'function' ? await c.env() : c.env);
        const lines = r.stderr.trimEnd().split('\n');
        const problems = [
          r.code === 0 || r.code === null ? `exit ${r.code}` : null,
          lines.length !== 1 ? `${lines.length} lines on stderr` : null,
          !/^josh: /.test(lines[0]) ? 'not a "josh: ..." line' : null,
          !c.error.test(lines[0]) ? `does not match ${c.error}` : null,
          /^\s+at /m.test(r.stderr) ? 'a stack trace' : null,
          r.stdout !== '' ? 'output on stdout' : null,
          c.never && (r.stdout + r.stderr).includes(c.never) ? 'prints the secret' : null,
          JSON.stringify(listing(cwd)) !== JSON.stringify(before)
            ? `wrote ${listing(cwd)
                .filter((p) => !before.includes(p))
                .join(', ')}`
            : null,
        ].filter(Boolean);
        t.diagnostic(`${c.name}: ${lines[0]}`);
        if (problems.length) failures.push(`${c.name}: ${problems.join('; ')}\n  stderr: ${r.stderr}`);
        fs.rmSync(cwd, { recursive: true, force: true });
      }
    }),
  );
  assert.deepEqual(failures, []);
});
