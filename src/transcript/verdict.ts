import type { EntryResult } from '../format.js';
import { compareCalls, HIDDEN_KINDS, type CompareOptions, type Verdict } from './compare.js';
import { mask } from './mask.js';

export type { Verdict } from './compare.js';

/** What `RECORD=verify` makes of one call that answered differently from its recording. */
export interface DriftVerdict {
  /** `same meaning` (only volatile values or chunking differ: not a failure), `changed answer`, `changed behaviour`. */
  verdict: Verdict;
  /** The changes that decided it, one line each, masked; empty for `same meaning`. */
  reasons: string[];
}

/**
 * Classes the drift of one verified call: the recording and the live answer (as verify compares them)
 * read as conversations. Pure: the session decides what to do with the verdict.
 */
export function driftVerdict(call: { toolId: string; args: unknown }, recorded: EntryResult, live: EntryResult, options: CompareOptions = {}): DriftVerdict {
  const { verdict: classed, changes } = compareCalls({ ...call, result: recorded }, { ...call, result: live }, options);
  // The caller saw a difference the conversation reading does not account for (a member of an answer it
  // does not read, such as logprobs): never waved through as the same meaning.
  if (changes.length === 0) return { verdict: 'changed answer', reasons: ['a recorded value differs (see the paths below)'] };
  const verdict = classed;
  const reasons = verdict === 'same meaning' ? [] : changes.filter((c) => !HIDDEN_KINDS.has(c.kind) && c.kind !== 'info').map((c) => mask(c.line));
  return { verdict, reasons };
}
