// A user's prompts file (YAML or JSON) overriding any of the project's ToolWOZ prompts. Keys are
// ours (userGoalSystem, ...) or upstream's prompts.yaml names, whose placeholders are translated;
// upstream prompts we have no use for are ignored, anything else is a typo and an error.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { z } from 'zod';
import { UserError } from '../../util/errors';
import { DEFAULT_PROMPTS, type ToolwozPrompts } from './prompts';

const OUR_KEYS = Object.keys(DEFAULT_PROMPTS) as (keyof ToolwozPrompts)[];

/** Upstream prompts.yaml key → ours. */
const UPSTREAM_KEYS: Record<string, keyof ToolwozPrompts> = {
  user_simulator_system_prompt: 'userGoalSystem',
  user_simulator_opening_message_prompt: 'userGoalOpening',
  user_simulator_prompt: 'userGoalTurn',
  react_prompt: 'agentReact',
};

/** Upstream keys for its other agents (API-caller, prompt-only simulators), which we do not run. */
const IGNORED_UPSTREAM_KEYS = new Set([
  'agent_simulator_prompt',
  'agent_simulator_system_prompt',
  'api_caller_system',
  'api_caller_prompt',
]);

/** Upstream placeholder → ours ({goals} is the same in both). */
const UPSTREAM_PLACEHOLDERS: Record<string, string> = { example_filled: 'tools' };

const PromptsFile = z.record(z.string(), z.string());

export function loadPromptsFile(file: string): Partial<ToolwozPrompts> {
  return parsePromptsText(file, readPromptsText(file));
}

function readPromptsText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(
      `${file}: cannot read the prompts file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
}

/** A prompts file's text → the prompts it overrides (`file` names it in errors and picks JSON/YAML). */
export function parsePromptsText(file: string, text: string): Partial<ToolwozPrompts> {
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new UserError(
      `${file}: the prompts file is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'} (${(e as Error).message.split('\n')[0]})`,
    );
  }
  const parsed = PromptsFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(
      `${file}: expected a map of prompt name to text (at ${issue.path.join('.') || 'root'}: ${issue.message})`,
    );
  }
  const prompts: Partial<ToolwozPrompts> = {};
  for (const [key, value] of Object.entries(parsed.data)) {
    if ((OUR_KEYS as string[]).includes(key)) {
      prompts[key as keyof ToolwozPrompts] = value;
    } else if (key in UPSTREAM_KEYS) {
      prompts[UPSTREAM_KEYS[key]] = value.replace(/\{(\w+)\}/g, (whole, name: string) =>
        name in UPSTREAM_PLACEHOLDERS ? `{${UPSTREAM_PLACEHOLDERS[name]}}` : whole,
      );
    } else if (!IGNORED_UPSTREAM_KEYS.has(key)) {
      const known = [...OUR_KEYS, ...Object.keys(UPSTREAM_KEYS)].join(', ');
      throw new UserError(`${file}: unknown prompt "${key}" (known: ${known})`);
    }
  }
  return prompts;
}

export function resolvePrompts(file?: string): ToolwozPrompts {
  return promptsSource(file).prompts;
}

/** The prompts a worker runs with, read once: what a run records of them (provenance). */
export interface PromptsSource {
  /** The prompts file as the worker was given it, or null for the built-in prompts. */
  file: string | null;
  /** The exact text: the file as read, or the built-in prompts rendered as a prompts file (YAML). */
  text: string;
  format: 'json' | 'yaml';
  /** The effective prompts: the built-ins overlaid by the file. */
  prompts: ToolwozPrompts;
  /** Content hash of the effective prompts (see promptsHash). */
  hash: string;
}

/** sha256 of the effective prompts in a fixed key order: two files that differ only in layout,
 * comments or keys left at their defaults give the same prompts, and so the same hash. */
export function promptsHash(prompts: ToolwozPrompts): string {
  const canonical = JSON.stringify(OUR_KEYS.map((k) => [k, prompts[k]]));
  return createHash('sha256').update(canonical).digest('hex');
}

/** The built-in prompts as a prompts file (our keys, block literals), which loads back as them. */
export function renderPrompts(prompts: ToolwozPrompts): string {
  return stringifyYaml(prompts, { lineWidth: 0, blockQuote: 'literal' });
}

const sources = new Map<string, PromptsSource>();

/** Read once per process and file, so the environment's prompts and the recorded text and hash
 * are the same read even if the file changes on disk while the worker runs. */
export function promptsSource(file?: string): PromptsSource {
  const key = file ?? '';
  let source = sources.get(key);
  if (!source) {
    const text = file ? readPromptsText(file) : renderPrompts(DEFAULT_PROMPTS);
    const prompts = file ? { ...DEFAULT_PROMPTS, ...parsePromptsText(file, text) } : DEFAULT_PROMPTS;
    source = {
      file: file ?? null,
      text,
      format: file?.endsWith('.json') ? 'json' : 'yaml',
      prompts,
      hash: promptsHash(prompts),
    };
    sources.set(key, source);
  }
  return source;
}
