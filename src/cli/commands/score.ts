// `josh score --env E --in FILE.jsonl`: score conversations produced elsewhere. Each input line is
// {id, calls: [{name, arguments}], messages?: [what the agent said to the user]}; the calls run in
// order through the environment's tools, each against the state the earlier ones left, and each
// output line adds what every call returned (as the agent saw it) and the conversation's final
// reward (ToolWOZ: spec 4.6; τ-bench: database + outputs). Nothing is written on error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { formatZodError } from '../../config/run';
import { resolveDataDir } from '../../env/dataDir';
import { DEFAULT_ENV, ENVIRONMENT_NAMES, getEnvironment } from '../../env';
import {
  UnknownTaskError,
  type Environment,
  type PriorCall,
  type Task,
  type ToolResult,
} from '../../env/types';
import { checkOutFile, writeFileAtomic } from '../../util/atomicWrite';
import { UserError } from '../../util/errors';

const ScoreFlags = z.object({
  env: z.string().min(1).default(DEFAULT_ENV),
  in: z.string().min(1),
  out: z.string().min(1).optional(),
  dataDir: z.string().min(1).optional(),
});

const Conversation = z.looseObject({
  id: z.string().min(1),
  calls: z.array(z.object({ name: z.string(), arguments: z.unknown() })),
  messages: z.array(z.string()).optional(),
});
type Conversation = z.infer<typeof Conversation>;

/** Bad input is the user's to fix: one line, exit 1. */
const badInput = (message: string): UserError => new UserError(message, 1);

/** OpenAI-style transcripts carry arguments as JSON text; an unparseable string stays as it is and
 * the tool answers it with an error, as it would have during the conversation. */
function argumentsOf(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? {};
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** An environment that reads a call's argument text itself, exactly as its tools' language would
 * (τ-bench: `100.0` is a float and `100` an int, which JSON.parse cannot tell apart). */
const takesArgumentText = (env: Environment): boolean =>
  (env as { argumentsAsText?: unknown }).argumentsAsText === true;

// ---- the exact text of each call's arguments in an input line -------------------------------------

/** A scanner over JSON text already known to be valid (JSON.parse accepted it). */
class Scan {
  i = 0;
  constructor(readonly s: string) {}

  private ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i])) this.i++;
  }

  peek(): string {
    this.ws();
    return this.s[this.i];
  }

  /** Skip one value; its exact text. */
  value(): string {
    this.ws();
    const start = this.i;
    const c = this.s[this.i];
    if (c === '"') this.string();
    else if (c === '{') this.members(() => this.value());
    else if (c === '[') this.elements(() => this.value());
    else while (this.i < this.s.length && !',]} \t\n\r'.includes(this.s[this.i])) this.i++;
    return this.s.slice(start, this.i);
  }

  string(): string {
    const start = this.i++;
    while (this.s[this.i] !== '"') this.i += this.s[this.i] === '\\' ? 2 : 1;
    this.i++;
    return JSON.parse(this.s.slice(start, this.i)) as string;
  }

  /** An object's members: `each(key)` must consume the member's value. */
  members(each: (key: string) => void): void {
    this.i++; // {
    while (this.peek() !== '}') {
      if (this.s[this.i] === ',') this.i++;
      this.ws();
      const key = this.string();
      this.ws();
      this.i++; // :
      each(key);
      this.ws();
    }
    this.i++;
  }

  elements(each: () => void): void {
    this.i++; // [
    while (this.peek() !== ']') {
      if (this.s[this.i] === ',') this.i++;
      each();
      this.ws();
    }
    this.i++;
  }
}

/** Per call of the line's (last) `calls`, the exact text of its (last) `arguments`, if present. */
export function rawCallArguments(line: string): (string | undefined)[] {
  const scan = new Scan(line);
  let out: (string | undefined)[] = [];
  if (scan.peek() !== '{') return out;
  scan.members((key) => {
    if (key !== 'calls' || scan.peek() !== '[') return void scan.value();
    out = [];
    scan.elements(() => {
      let raw: string | undefined;
      if (scan.peek() === '{') scan.members((k) => (k === 'arguments' ? (raw = scan.value()) : scan.value()));
      else scan.value();
      out.push(raw);
    });
  });
  return out;
}

/** The arguments as a text-reading environment gets them: a JSON string's content (the agent's
 * text as it sent it), any other value's exact JSON text; a call without arguments sends `{}`. */
function argumentText(raw: string | undefined): string {
  if (raw === undefined) return '{}';
  return raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
}

// ---------------------------------------------------------------------------------------------------

export function scoreLine(
  env: Environment,
  record: Conversation,
  rawArguments?: (string | undefined)[],
): Record<string, unknown> {
  const task = env.getTask(record.id);
  const calls: PriorCall[] = record.calls.map((c, i) => ({
    name: c.name,
    arguments: (rawArguments
      ? argumentText(rawArguments[i])
      : argumentsOf(c.arguments)) as PriorCall['arguments'],
  }));
  const returns = runInOrder(env, task, calls).map((r) => r.call.returned);
  const { reward } = env.finalReward(task, calls, record.messages ?? []);
  return { ...record, returns, reward };
}

/** Each call's result on the state the earlier ones left. In one pass where the environment has
 * one: a stateful one's executeCall replays every earlier call, and a line may hold thousands. */
function runInOrder(env: Environment, task: Task, calls: readonly PriorCall[]): ToolResult[] {
  if (env.executeCalls) return env.executeCalls(task, calls);
  const prior: PriorCall[] = [];
  return calls.map((c) => {
    const result = env.executeCall(task, c.name, c.arguments, prior);
    prior.push(c);
    return result;
  });
}

interface InputLine {
  line: number;
  record: Conversation;
  text: string;
}

/** Whether two paths name one file (the same path, or links to one inode). */
function sameFile(a: string, b: string): boolean {
  if (path.resolve(a) === path.resolve(b)) return true;
  try {
    const [sa, sb] = [fs.statSync(a), fs.statSync(b)];
    return sa.ino === sb.ino && sa.dev === sb.dev;
  } catch {
    return false;
  }
}

function readConversations(file: string): InputLine[] {
  let text: string;
  try {
    // `-` is standard input (fd 0), so transcripts can be piped in.
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw badInput(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const out: InputLine[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      throw badInput(`${file}:${i + 1}: not valid JSON (${(e as Error).message})`);
    }
    const parsed = Conversation.safeParse(json);
    if (!parsed.success)
      throw badInput(
        formatZodError(`${file}:${i + 1}`, parsed.error).split('\n')[0] +
          ' (expected {id, calls: [{name, arguments}], messages?: [string]})',
      );
    out.push({ line: i + 1, record: parsed.data, text: raw });
  });
  return out;
}

export function register(program: Command): void {
  program
    .command('score')
    .description(
      'score tool-call transcripts: JSONL of {id, calls: [{name, arguments}], messages?} in, + returns and reward out',
    )
    .option('--env <name>', `environment: ${ENVIRONMENT_NAMES.join(' | ')}`, DEFAULT_ENV)
    .requiredOption('--in <file>', 'input JSONL (- for standard input)')
    .option('--out <file>', 'output JSONL (default: standard output)')
    .option('--data-dir <dir>', 'data directory (default: JOSH_DATA_DIR, ./data, or ../shared)')
    .action((raw: Record<string, unknown>) => {
      const parsed = ScoreFlags.safeParse(raw);
      if (!parsed.success) throw new UserError(formatZodError('josh score', parsed.error));
      const f = parsed.data;
      if (f.out && f.in !== '-' && sameFile(f.in, f.out))
        throw new UserError(`josh score: --out ${f.out} is the input file; write the scores elsewhere`);
      if (f.out) checkOutFile('--out', f.out);
      const env = getEnvironment(f.env, resolveDataDir(f.dataDir));
      const conversations = readConversations(f.in);
      const exact = takesArgumentText(env);
      const scored = conversations.map(({ line, record, text }) => {
        try {
          return scoreLine(env, record, exact ? rawCallArguments(text) : undefined);
        } catch (e) {
          if (e instanceof UserError || e instanceof UnknownTaskError)
            throw badInput(`${f.in}:${line}: ${e.message}`);
          throw e;
        }
      });
      const text = scored.map((s) => JSON.stringify(s)).join('\n') + (scored.length ? '\n' : '');
      const mean = scored.length
        ? scored.reduce((sum, s) => sum + (s.reward as number), 0) / scored.length
        : 0;
      const success = scored.filter((s) => s.reward === 1).length;
      const summary = `scored ${scored.length} conversations: mean reward ${mean.toFixed(4)}, success ${success}/${scored.length}\n`;
      if (f.out) {
        writeFileAtomic(f.out, text);
        process.stdout.write(summary);
      } else {
        process.stdout.write(text);
        process.stderr.write(summary);
      }
    });
}
