// The learning rule of the simulated fine-tuning API. This SIMULATES learning so the training
// pipeline (export → upload → job → eval) can be tested offline; it is not evidence about what
// fine-tuning does to a real model (docs/simulated-model.md, "Fine-tuning").
//
// A fine-tuned model differs from its parent only through its training file:
//   1. every decision in the file is read (SFT: each assistant message the file asks to learn from,
//      i.e. weight ≠ 0, with the messages before it as its prompt; DPO: each preference pair);
//   2. a table of lessons, one per error kind (lessons.ts, tauLessons.ts), says whether that decision demonstrates
//      the kind done right (SFT) or shows the kind as the rejected side of a pair (DPO);
//   3. each kind's rate is the parent's rate × learningFactor(n), n the number of such decisions.
// learningFactor(0) = 1, so a kind the file says nothing about keeps its parent's rate exactly,
// and an empty file gives the parent's rates. Deterministic: the file decides, nothing else.
import { type Belief, toEvents, trackBelief } from '../agentState';
import type { World } from '../vocab';
import { normaliseMessages, type WireMessageT } from '../wire';
import { TOOLWOZ_LESSONS } from './lessons';
import { TAU_LESSONS } from './tauLessons';
import type { AssistantMessage, TrainingData, TrainingMessage } from './validate';

/** Every kind's lessons: ToolWOZ's and τ-bench's. */
export const LESSONS: readonly Lesson[] = [...TOOLWOZ_LESSONS, ...TAU_LESSONS];

/** Demonstrations that halve a rate: factor = 1 / (1 + n / HALF_AT). */
export const HALF_AT = 50;
/** One fine-tuning job never takes a rate below this fraction of its parent's. */
export const FLOOR = 0.2;

/** How much of the parent's rate of a kind is left after n demonstrations: falls with n, ≥ FLOOR. */
export function learningFactor(n: number): number {
  return Math.max(FLOOR, 1 / (1 + Math.max(0, n) / HALF_AT));
}

/** One assistant decision read from the file. */
export interface Decision {
  call?: { name: string; raw: string; args?: Record<string, unknown> };
  text?: string;
}

/** A decision with its prompt, and the base model's own reading of that prompt (lazily). */
export interface DecisionInContext {
  decision: Decision;
  prompt: TrainingMessage[];
  /** Function names the record declares in `tools`. */
  tools: Set<string>;
  belief(): Belief;
}

/** What one error kind learns from: an SFT demonstration of it done right, or a preference pair
 * whose rejected side shows it (and whose preferred side does not). Add a table for new kinds. */
export interface Lesson {
  kind: string;
  demonstrates?(d: DecisionInContext): boolean;
  rejects?(chosen: DecisionInContext, rejected: Decision): boolean;
}

export interface LearnedModel<R> {
  rates: R;
  /** Decisions counted per error kind. */
  demonstrations: Record<string, number>;
  /** Decisions read from the file (SFT: assistant messages learned from; DPO: pairs). */
  decisions: number;
}

function parseArgs(raw: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function textOf(c: AssistantMessage['content']): string {
  if (c == null) return '';
  return typeof c === 'string' ? c : c.map((p) => p.text).join('');
}

/** The decision an assistant message shows: its (first) tool call, else its text. */
export function decisionOf(m: AssistantMessage): Decision {
  const c = m.tool_calls?.[0];
  if (c)
    return {
      call: { name: c.function.name, raw: c.function.arguments, args: parseArgs(c.function.arguments) },
    };
  return { text: textOf(m.content) };
}

function inContext(
  world: World,
  decision: Decision,
  prompt: TrainingMessage[],
  tools: { function: { name: string } }[] | undefined,
): DecisionInContext {
  let belief: Belief | undefined;
  return {
    decision,
    prompt,
    tools: new Set((tools ?? []).map((t) => t.function.name)),
    belief: () =>
      (belief ??= trackBelief(
        world,
        toEvents(normaliseMessages(prompt as WireMessageT[]), 'function-calling'),
      )),
  };
}

/** Counts, per kind, the decisions in the file that teach it. */
export function countDemonstrations(
  data: TrainingData,
  world: World,
  lessons: readonly Lesson[] = LESSONS,
): { demonstrations: Record<string, number>; decisions: number } {
  const demonstrations: Record<string, number> = {};
  for (const l of lessons) demonstrations[l.kind] = 0;
  let decisions = 0;
  if (data.method === 'supervised') {
    for (const r of data.records) {
      r.messages.forEach((m, i) => {
        if (m.role !== 'assistant' || m.weight === 0) return;
        decisions++;
        const d = inContext(world, decisionOf(m), r.messages.slice(0, i), r.tools);
        for (const l of lessons) if (l.demonstrates?.(d)) demonstrations[l.kind]++;
      });
    }
  } else {
    for (const r of data.records) {
      decisions++;
      const chosen = inContext(world, decisionOf(r.preferred_output[0]), r.input.messages, r.input.tools);
      const rejected = decisionOf(r.non_preferred_output[0]);
      for (const l of lessons) if (l.rejects?.(chosen, rejected)) demonstrations[l.kind]++;
    }
  }
  return { demonstrations, decisions };
}

/** The rates of a model fine-tuned from `parent` on `data` (every kind of `parent` is kept). */
export function learnRates<R extends object>(
  parent: R,
  data: TrainingData,
  world: World,
  lessons: readonly Lesson[] = LESSONS,
): LearnedModel<R> {
  const { demonstrations, decisions } = countDemonstrations(data, world, lessons);
  const rates = { ...parent } as Record<string, unknown>;
  for (const [kind, n] of Object.entries(demonstrations)) {
    const r = rates[kind];
    if (typeof r === 'number' && n > 0) rates[kind] = r * learningFactor(n);
  }
  return { rates: rates as R, demonstrations, decisions };
}
