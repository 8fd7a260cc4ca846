// The simulated model without HTTP: one parsed chat-completions request in, one completion out.
// It picks the role from the request (roles.ts), seeds its PRNG from the request alone, and runs
// the agent or caller policy. The server (server.ts) adds transport, latency, faults and counters.
import type { ToolwozDb } from '../env/toolwoz/db';
import { DEFAULT_PROMPTS, REACT } from '../env/toolwoz/prompts';
import { END_MARKER } from '../shared/messages';
import { type AgentAction, decideAgent } from './agentPolicy';
import { toEvents } from './agentState';
import { type ErrorRates, scaledRates } from './errorModel';
import { type ParsedGoal, parseGoal } from './goalParser';
import { classify, reactDialect, type ReactDialect, type Role } from './roles';
import { Rng, hashString, mixSeeds } from './rng';
import { type Exchange, goalKeyOf, nextUserMessage } from './userPolicy';
import { type World, buildWorld } from './vocab';
import { type ChatRequest, type Completion, type Msg, normaliseMessages } from './wire';
import { type TauKind, respondTau } from './tau';
import { resolveDataDir } from '../env/dataDir';

export type RoleKind =
  'agent-function-calling' | 'agent-react' | 'user-goal' | 'user-guide' | TauKind | 'unknown';

export interface ModelReply {
  role: 'agent' | 'user' | 'unknown';
  kind: RoleKind;
  completion: Completion;
  /** Hash of the request content without seed and temperature. */
  contentHash: number;
  /** The PRNG seed the reply was sampled with (the content hash at temperature 0); ids derive from it. */
  sampleSeed: number;
}

/** Per-request choices the server makes outside the request body. */
export interface RespondOptions {
  /** The error rates for this request (a fine-tuned model's learned rates); the model's own by default. */
  rates?: ErrorRates;
}

export interface Model {
  world: World;
  respond(req: ChatRequest, options?: RespondOptions): ModelReply;
}

const goalCache = new Map<string, ParsedGoal>();

function goalFor(world: World, sentences: string[]): ParsedGoal {
  const key = sentences.join('\n');
  let g = goalCache.get(key);
  if (!g) {
    if (goalCache.size > 10_000) goalCache.clear();
    g = parseGoal(sentences, world);
    goalCache.set(key, g);
  }
  return g;
}

// The caller's instructions arrive in the user seat (opening and per-turn prompts): they are not
// something the assistant said.
const INSTRUCTIONS = new Set([DEFAULT_PROMPTS.userGoalOpening.trim(), DEFAULT_PROMPTS.userGoalTurn.trim()]);
function isInstruction(text: string): boolean {
  const t = text.trim();
  return (
    INSTRUCTIONS.has(t) ||
    t.includes(END_MARKER) ||
    /\b(your first message|the caller's next message|your next message)\b/i.test(t)
  );
}

/** The goal caller's view, roles flipped back: the assistant's lines arrive as `user`. */
function goalExchanges(messages: Msg[]): Exchange[] {
  const ex: Exchange[] = [{ agent: null, own: null }];
  for (const m of messages) {
    if (m.role === 'system' || m.role === 'tool') continue;
    if (m.role === 'user') {
      if (isInstruction(m.content) || !m.content.trim()) continue;
      const last = ex[ex.length - 1];
      if (last.own === null && last.agent !== null) last.agent += `\n${m.content}`;
      else if (last.own === null && ex.length === 1)
        last.agent = m.content; // the assistant spoke first
      else ex.push({ agent: m.content, own: null });
    } else {
      const last = ex[ex.length - 1];
      if (last.own === null) last.own = m.content;
      else last.own += `\n${m.content}`;
    }
  }
  const last = ex[ex.length - 1];
  if (last.own !== null) ex.push({ agent: '', own: null });
  return ex;
}

function guideExchanges(lines: { speaker: 'caller' | 'assistant'; text: string }[]): Exchange[] {
  return goalExchanges(
    lines.map((l) => ({ role: l.speaker === 'caller' ? 'assistant' : 'user', content: l.text })),
  );
}

function renderFunctionCalling(action: AgentAction): Completion {
  return action.kind === 'call'
    ? { content: null, toolCall: { name: action.name, arguments: action.arguments } }
    : { content: action.text };
}

/** A react reply in the prompt's own spelling of the commands. */
function renderReact(action: AgentAction, d: ReactDialect): Completion {
  const command =
    action.kind === 'call'
      ? `${REACT.apiCall} {"name": ${JSON.stringify(action.name)}, "parameters": ${action.arguments}}`
      : `${d.say}: ${action.text}`;
  return { content: `${d.thought}: ${action.thought}${d.end}\n${command}${d.end}` };
}

/** `tool_choice` constraints: "none" forbids a call, "required"/a named function demands one. */
function honourToolChoice(c: Completion, req: ChatRequest): Completion {
  const choice = req.tool_choice;
  if (choice === 'none' && c.toolCall)
    return { content: 'Let me check that for you. Could you tell me a little more about what you need?' };
  if (choice && typeof choice === 'object' && c.toolCall?.name !== choice.function.name) {
    return {
      content: null,
      toolCall: { name: choice.function.name, arguments: c.toolCall?.arguments ?? '{}' },
    };
  }
  if (choice === 'required' && !c.toolCall) {
    const first = req.tools?.[0]?.function.name;
    if (first) return { content: null, toolCall: { name: first, arguments: '{}' } };
  }
  return c;
}

/** Where the τ-bench world (product vocabulary) is read from, on the first τ request. */
export interface ModelOptions {
  dataDir?: string;
}

export function createModel(db: ToolwozDb, rates: ErrorRates, modelOptions: ModelOptions = {}): Model {
  const world = buildWorld(db);
  let tauDataDir: string | undefined = modelOptions.dataDir;
  const dataDir = (): string => (tauDataDir ??= resolveDataDir());
  return {
    world,
    respond(req: ChatRequest, options: RespondOptions = {}): ModelReply {
      const baseRates = options.rates ?? rates;
      const messages = normaliseMessages(req.messages);
      const contentHash = hashString(
        JSON.stringify([req.messages, req.tools ?? null, req.tool_choice ?? null]),
      );
      const temperature = req.temperature ?? 1;
      // Temperature 0 is greedy: the seed changes nothing, as with a real model.
      const sampleSeed = temperature === 0 ? contentHash : mixSeeds(contentHash, req.seed ?? 0);
      const rng = new Rng(sampleSeed);
      const toolNames = (req.tools ?? []).map((t) => t.function.name);
      // τ-bench requests (τ tools, a react prompt listing τ APIs, a τ customer prompt) first: the
      // ToolWOZ roles below never see them, and ToolWOZ requests never match them.
      const tau = respondTau(
        {
          dataDir,
          rng,
          rates: scaledRates(baseRates, temperature),
          dialect: (msgs) =>
            reactDialect(
              msgs
                .filter((m) => m.role === 'system')
                .map((m) => m.content)
                .join('\n'),
            ),
        },
        messages,
        toolNames,
      );
      if (tau) {
        const completion =
          tau.kind === 'tau-agent-function-calling' ? honourToolChoice(tau.completion, req) : tau.completion;
        return { role: tau.role, kind: tau.kind, completion, contentHash, sampleSeed };
      }
      const role: Role = classify(
        messages,
        (req.tools ?? []).map((t) => t.function.name),
      );
      switch (role.role) {
        case 'agent': {
          const action = decideAgent(
            { world, rng, rates: scaledRates(baseRates, temperature) },
            toEvents(messages, role.protocol),
          );
          const completion =
            role.protocol === 'function-calling'
              ? honourToolChoice(renderFunctionCalling(action), req)
              : renderReact(action, role.dialect);
          return {
            role: 'agent',
            kind: role.protocol === 'react' ? 'agent-react' : 'agent-function-calling',
            completion,
            contentHash,
            sampleSeed,
          };
        }
        case 'user': {
          const goal = goalFor(world, role.goals);
          const ctx = { world, goal, goalKey: goalKeyOf(role.goals) };
          const exchanges =
            role.kind === 'goal' ? goalExchanges(messages) : guideExchanges(role.conversation);
          return {
            role: 'user',
            kind: role.kind === 'goal' ? 'user-goal' : 'user-guide',
            completion: { content: nextUserMessage(ctx, exchanges, rng) },
            contentHash,
            sampleSeed,
          };
        }
        case 'unknown':
          return {
            role: 'unknown',
            kind: 'unknown',
            completion: {
              content:
                'I am the JOSH simulated model. I play the ToolWOZ booking agent (when given its tools or the react protocol) and the ToolWOZ caller (when given its goal instructions); this request looks like neither.',
            },
            contentHash,
            sampleSeed,
          };
      }
    },
  };
}
