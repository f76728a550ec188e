import type { Mode } from './mode.js';

/** What to do with one call. */
export type Action = 'replay' | 'record' | 'live' | 'verify' | 'miss';

/** What is known about a call when it is made. */
export interface CallState {
  /** The cassette holds an unreplayed recording of this exact call. */
  recorded: boolean;
  /** The cassette file existed when the test started. */
  fileExisted: boolean;
}

/**
 * The per-call decision, Polly.js-style: the mode plus the lookup result give one action. Kept as one
 * pure function so the whole table is tested in one place (test/policy.test.ts).
 */
export function decide(mode: Mode, { recorded, fileExisted }: CallState): Action {
  switch (mode) {
    case 'auto':
      return recorded ? 'replay' : fileExisted ? 'miss' : 'record';
    case 'replay':
      return recorded ? 'replay' : 'miss';
    case 'record':
      return 'record';
    case 'new':
      return recorded ? 'replay' : 'record';
    case 'passthrough':
      return 'live';
    case 'verify':
      return recorded ? 'verify' : 'miss';
  }
}

/** Whether a finished, passing test in `mode` saves its cassette. */
export function shouldSave(mode: Mode, { fileExisted, changed }: { fileExisted: boolean; changed: boolean }): boolean {
  switch (mode) {
    case 'auto':
      return !fileExisted && changed;
    case 'record':
    case 'new':
      return changed;
    default:
      return false;
  }
}
