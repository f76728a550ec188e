import { maskSecrets } from './secrets/mask.js';

/** Why a {@link ReplayError} was thrown (DESIGN section 5). */
export type ReplayReason =
  | 'cassette-miss'
  | 'args-not-json'
  | 'corrupt-cassette'
  | 'schema-version-unsupported'
  | 'hash-mismatch'
  | 'tool-signature-mismatch'
  | 'record-forbidden-in-ci'
  | 'secret-detected'
  | 'unused-entries'
  | 'drift'
  | 'cassette-conflict'
  | 'invalid-mode'
  | 'invalid-args'
  | 'network-in-replay'
  | 'network-unrecorded'
  | 'http-unavailable'
  | 'session-closed';

/** A recorded call that resembles a missed one, with how its args differ (path: recorded -> called). */
export interface NearestCall {
  argsHash: string;
  /** Position of the entry in the cassette's `entries`. */
  index: number;
  differences: string[];
}

/** Structured fields carried by a {@link ReplayError}; which ones are set depends on the reason. */
export interface ReplayErrorFields {
  toolId?: string;
  argsHash?: string;
  cassettePath?: string;
  /** JSON path of the offending value (inside args, or inside the cassette file). */
  jsonPath?: string;
  nearest?: NearestCall[];
  /** `cassette-miss` only: the call was recorded, but fewer times than it was made. */
  exhausted?: boolean;
  /** `drift`: one line per difference, `path: recorded -> live`. */
  differences?: string[];
  /** `unused-entries`: the entries that were never replayed. */
  unused?: Array<{ toolId: string; argsHash: string; index: number }>;
  /** The command that fixes the problem, when there is one. */
  fix?: string;
  cause?: unknown;
}

/**
 * The one error class tapedeck throws. `reason` says what went wrong; the message is multi-line, starts
 * with `tapedeck:`, names the cassette, tool and hash where known, and ends with how to fix it.
 */
export class ReplayError extends Error {
  override readonly name = 'ReplayError';
  readonly reason: ReplayReason;
  readonly toolId?: string;
  readonly argsHash?: string;
  readonly cassettePath?: string;
  readonly jsonPath?: string;
  readonly nearest?: NearestCall[];
  readonly exhausted?: boolean;
  readonly differences?: string[];
  readonly unused?: Array<{ toolId: string; argsHash: string; index: number }>;
  readonly fix?: string;

  constructor(reason: ReplayReason, message: string, fields: ReplayErrorFields = {}) {
    const { cause, ...rest } = fields;
    // The one place every tapedeck error message is built: whatever the pre-write scan would refuse on
    // disk is masked here (DESIGN section 12), so a miss preview, a nearest-call diff or a drift diff
    // never prints a key to a CI log. Text appended later (a test's own error, more problems) is too.
    super(maskSecrets(withReason(reason, message)), cause === undefined ? undefined : { cause });
    let text = this.message;
    Object.defineProperty(this, 'message', {
      get: () => text,
      set: (value: string) => {
        text = maskSecrets(String(value));
      },
      enumerable: false,
      configurable: true,
    });
    this.reason = reason;
    Object.assign(this, maskFields(rest));
  }
}

/** Structured fields printed by reporters (differences, nearest-call diffs), masked like the message. */
function maskFields(fields: Omit<ReplayErrorFields, 'cause'>): Omit<ReplayErrorFields, 'cause'> {
  const out = { ...fields };
  if (out.differences !== undefined) out.differences = out.differences.map(maskSecrets);
  if (out.nearest !== undefined) out.nearest = out.nearest.map((n) => ({ ...n, differences: n.differences.map(maskSecrets) }));
  if (out.toolId !== undefined) out.toolId = maskSecrets(out.toolId);
  return out;
}

/** True when `error` is a {@link ReplayError}, also across duplicated module instances (ESM + CJS). */
export function isReplayError(error: unknown): error is ReplayError {
  return error instanceof ReplayError || (error instanceof Error && error.name === 'ReplayError' && 'reason' in error);
}

/** Every message starts `tapedeck: <reason>:`, so the reason shows wherever only the message is printed. */
function withReason(reason: ReplayReason, message: string): string {
  const body = message.replace(/^tapedeck:\s*/, '');
  return body.startsWith(`${reason}:`) ? `tapedeck: ${body}` : `tapedeck: ${reason}: ${body}`;
}
