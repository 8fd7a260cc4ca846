// Deterministic tool-call ids for calls the model did not name, so re-parsing the same completion
// (an activity retry, a replay) yields the same records.
import { fnv1a } from '../util/hash';

export const derivedCallId = (prefix: string, text: string): string =>
  `${prefix}_${fnv1a(text).toString(16).padStart(8, '0')}`;
