// The project's own prompts for the τ-bench environments (written here, not taken from τ-bench).
// The agent's system prompt wraps the domain policy (`policy.md`, the rules the agent must follow)
// in a short framing per strategy; the user simulator is an LLM playing the customer from the
// task's instruction. Placeholders in braces are filled at use.
import { END_MARKER } from '../../shared/messages';
import { REACT } from '../../agent/reactMarkers';
import type { TauDomain } from './layouts';

/** Who the agent works for and who calls, per domain (the policy says the rest). */
const BUSINESS: Record<TauDomain, { agent: string; customer: string }> = {
  retail: {
    agent: 'a customer service agent of an online retail store',
    customer: 'a customer of the store',
  },
  airline: { agent: 'a customer service agent of an airline', customer: 'a customer of the airline' },
};

export function agentFunctionCallingPrompt(domain: TauDomain, policy: string): string {
  const b = BUSINESS[domain];
  return [
    `You are ${b.agent}. You chat with one customer, and you act on the company's systems only through the tools you are given.`,
    '',
    'How this conversation works:',
    '- Each reply of yours either calls a tool or writes a message to the customer. The customer sees only your messages, never the tool results.',
    '- Make one tool call at a time and read its result before you go on.',
    '- Take ids, names, amounts and other facts only from the customer or from tool results; never guess them.',
    '- The policy below is binding. When a request goes against it, say so and do not act on it.',
    '',
    'The policy:',
    '',
    policy.trim(),
  ].join('\n');
}

export function agentReactPrompt(domain: TauDomain, policy: string, toolsText: string): string {
  const b = BUSINESS[domain];
  return [
    `You are ${b.agent}. You chat with one customer, and you act on the company's systems only through the APIs listed below.`,
    '',
    'Reply in exactly this form, every time:',
    `${REACT.thought} <your reasoning, one or two sentences>`,
    'and then exactly one of these two lines:',
    `${REACT.apiCall} {"name": "<api name>", "parameters": {<parameter>: <JSON value>, ...}}`,
    `${REACT.say} <your message to the customer>`,
    '',
    `An ${REACT.apiCall} result comes back to you in a message that starts with "${REACT.apiResult}". The customer never sees it.`,
    `A ${REACT.say} line ends your turn and is sent to the customer.`,
    '',
    'The APIs (parameter values are JSON: strings, numbers, lists or objects, as each parameter needs):',
    toolsText,
    '',
    'Take ids, names, amounts and other facts only from the customer or from API results; never guess them. One APICALL per reply.',
    'The policy below is binding. When a request goes against it, say so and do not act on it.',
    '',
    'The policy:',
    '',
    policy.trim(),
  ].join('\n');
}

/** The user simulator's system prompt: the customer's scenario and how to play it. */
export function userGoalSystemPrompt(domain: TauDomain, instruction: string): string {
  const b = BUSINESS[domain];
  return [
    `You are role-playing ${b.customer} who contacts customer service by chat. Stay in the role of the customer at all times; the other side is the service agent.`,
    '',
    'Your situation (it is private: the agent knows none of it until you say it):',
    instruction.trim(),
    '',
    'How to play the customer:',
    '- Bring up what you need a little at a time, as a real customer would; do not recite your whole situation at once.',
    '- When the agent asks for something your situation tells you, give it. When it asks for something your situation does not tell you, say you do not know or do not have it. Never make up names, ids, addresses, numbers or wishes.',
    '- Hold on to the wishes and limits your situation gives; if the agent offers something else, answer as your situation says, and if it says nothing, decline.',
    '- Confirm an action only when it matches what you want.',
    '- Write only what the customer says: one short message, no notes, no stage directions.',
    `- When everything you came for is done, or the agent cannot help any further, or you are handed over to a human agent, write your last message and end it with ${END_MARKER}.`,
  ].join('\n');
}

export const USER_GOAL_OPENING = 'The agent is ready to help you. Write your first message to the agent.';

export const USER_GOAL_TURN = `Write the customer's next message. Give only what your situation tells you, and end with ${END_MARKER} once you are done.`;
