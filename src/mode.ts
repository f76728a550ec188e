import { ReplayError } from './errors.js';

/** How a cassette treats calls (DESIGN section 4). */
export type Mode = 'auto' | 'replay' | 'record' | 'new' | 'passthrough' | 'verify';

/** The environment variables tapedeck reads; pass your own object in tests. */
export type ModeEnv = Readonly<Record<string, string | undefined>>;

const RECORD_VALUES: Readonly<Record<string, Mode>> = {
  '': 'auto',
  auto: 'auto',
  '0': 'replay',
  none: 'replay',
  replay: 'replay',
  '1': 'record',
  all: 'record',
  record: 'record',
  new: 'new',
  off: 'passthrough',
  passthrough: 'passthrough',
  verify: 'verify',
};

/** Modes that write the cassette file. */
export const WRITING_MODES: ReadonlySet<Mode> = new Set<Mode>(['auto', 'record', 'new']);

/** True when `CI` is set to anything but `false`, `0` or the empty string. */
export function isCI(env: ModeEnv = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/**
 * Resolves the mode from `RECORD` and `CI` (the only place tapedeck reads `process.env`). Under CI the
 * default is `replay`, and a writing mode throws `record-forbidden-in-ci` unless
 * `TAPEDECK_ALLOW_CI_RECORD=1`. An unknown `RECORD` value throws, listing the valid ones.
 */
export function resolveMode(env: ModeEnv = process.env): Mode {
  const raw = env.RECORD ?? '';
  const key = raw.trim().toLowerCase();
  // Own keys only: RECORD=constructor or __proto__ must not find Object.prototype's members.
  const mode = Object.hasOwn(RECORD_VALUES, key) ? RECORD_VALUES[key] : undefined;
  if (mode === undefined) {
    throw new ReplayError(
      'invalid-mode',
      `tapedeck: RECORD=${JSON.stringify(raw)} is not a mode tapedeck knows.\n` +
        `  valid: RECORD unset (auto), RECORD=0 or none (replay), RECORD=1 or all (re-record), RECORD=new (append missing),\n` +
        `         RECORD=off (passthrough: live, nothing written), RECORD=verify (live, compared with the cassette).`,
    );
  }
  if (!isCI(env)) return mode;
  if (mode === 'auto') return 'replay';
  if (WRITING_MODES.has(mode) && env.TAPEDECK_ALLOW_CI_RECORD !== '1') {
    throw new ReplayError(
      'record-forbidden-in-ci',
      `tapedeck: RECORD=${raw} asks to record, but CI is set (CI=${env.CI}): under CI cassettes are replay-only and nothing is written.\n` +
        `  fix: record locally and commit the cassettes, or set TAPEDECK_ALLOW_CI_RECORD=1 if this CI job is meant to record.`,
    );
  }
  return mode;
}

/**
 * Where the run's reporter collects each test file's counters (`TAPEDECK_RUN_DIR`, set by
 * `tapedeck/vitest-reporter` or `tapedeck/jest-reporter` in the runner's main process and inherited by
 * its workers); `undefined` when no reporter collects them.
 */
export function runTotalsDir(env: ModeEnv = process.env): string | undefined {
  const dir = env.TAPEDECK_RUN_DIR?.trim();
  return dir === undefined || dir === '' ? undefined : dir;
}

/** Tells the workers the runner starts from now on where to leave their counters (see {@link runTotalsDir}). */
export function shareRunTotalsDir(dir: string): void {
  process.env.TAPEDECK_RUN_DIR = dir;
}
