// `josh score --env toolwoz --in FILE.jsonl`: score conversations produced elsewhere. Each input
// line is {id, calls: [{name, arguments}]}; the calls run in order through the environment's tools
// and each output line adds what every call returned and the conversation's reward (spec 4.6).
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { formatZodError } from '../../config/run';
import { resolveDataDir } from '../../env/dataDir';
import { getEnvironment } from '../../env';
import { UnknownTaskError, type Environment } from '../../env/types';
import { writeFileAtomic } from '../../util/atomicWrite';
import { UserError } from '../../util/errors';

const ScoreFlags = z.object({
  env: z.string().min(1).default('toolwoz'),
  in: z.string().min(1),
  out: z.string().min(1).optional(),
  dataDir: z.string().min(1).optional(),
});

const Conversation = z.looseObject({
  id: z.string().min(1),
  calls: z.array(z.object({ name: z.string(), arguments: z.unknown() })),
});

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

export function scoreLine(env: Environment, record: z.infer<typeof Conversation>): Record<string, unknown> {
  const task = env.getTask(record.id);
  const results = record.calls.map((c) => env.executeCall(task, c.name, argumentsOf(c.arguments)).call);
  const { reward } = env.conversationReward(task.goalCalls, results);
  return { ...record, returns: results.map((r) => r.returned), reward };
}

function readConversations(file: string): { line: number; record: z.infer<typeof Conversation> }[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const out: { line: number; record: z.infer<typeof Conversation> }[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      throw new UserError(`${file}:${i + 1}: not valid JSON (${(e as Error).message})`);
    }
    const parsed = Conversation.safeParse(json);
    if (!parsed.success)
      throw new UserError(
        formatZodError(`${file}:${i + 1}`, parsed.error).split('\n')[0] +
          ' (expected {id, calls: [{name, arguments}]})',
      );
    out.push({ line: i + 1, record: parsed.data });
  });
  return out;
}

export function register(program: Command): void {
  program
    .command('score')
    .description(
      'score tool-call transcripts: JSONL of {id, calls: [{name, arguments}]} in, + returns and reward out',
    )
    .option('--env <name>', 'environment', 'toolwoz')
    .requiredOption('--in <file>', 'input JSONL')
    .option('--out <file>', 'output JSONL (default: standard output)')
    .option('--data-dir <dir>', 'data directory (default: JOSH_DATA_DIR, ./data, or ../shared)')
    .action((raw: Record<string, unknown>) => {
      const parsed = ScoreFlags.safeParse(raw);
      if (!parsed.success) throw new UserError(formatZodError('josh score', parsed.error));
      const f = parsed.data;
      const conversations = readConversations(f.in);
      const env = getEnvironment(f.env, resolveDataDir(f.dataDir));
      const scored = conversations.map(({ line, record }) => {
        try {
          return scoreLine(env, record);
        } catch (e) {
          if (e instanceof UserError || e instanceof UnknownTaskError)
            throw new UserError(`${f.in}:${line}: ${e.message}`);
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
