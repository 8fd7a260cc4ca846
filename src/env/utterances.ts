// The conversation as a user simulator reads it: what was said aloud, by whom (no tool traffic).
import type { Message } from '../shared/messages';

export interface Utterance {
  role: 'user' | 'assistant';
  content: string;
}

export function spokenUtterances(conversation: Message[]): Utterance[] {
  const out: Utterance[] = [];
  for (const m of conversation) {
    if ((m.role === 'user' || m.role === 'assistant') && typeof m.content === 'string' && m.content !== '') {
      out.push({ role: m.role, content: m.content });
    }
  }
  return out;
}
