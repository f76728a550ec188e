import ciVendors from 'ci-info/vendors.json' with { type: 'json' };
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

/** One CI service of ci-info's catalogue (the detector jest uses): the variables that identify it. */
interface Vendor {
  name: string;
  env: VendorEnv | VendorEnv[];
}
type VendorEnv = string | { env: string; includes: string } | { any: string[] } | Record<string, string>;

// Variables ci-info reads as "some CI" before it looks for a named service (Jenkins' BUILD_ID, ...).
const GENERIC_CI = ['BUILD_ID', 'BUILD_NUMBER', 'CI', 'CI_APP_ID', 'CI_BUILD_ID', 'CI_BUILD_NUMBER', 'CI_NAME', 'CONTINUOUS_INTEGRATION', 'RUN_ID'];

function present(env: ModeEnv, name: string): boolean {
  const value = env[name];
  return value !== undefined && value !== '';
}

function vendorMatches(env: ModeEnv, vendor: Vendor): boolean {
  const checks = Array.isArray(vendor.env) ? vendor.env : [vendor.env];
  return checks.every((check) => {
    if (typeof check === 'string') return present(env, check);
    if ('includes' in check && typeof check.includes === 'string' && typeof check.env === 'string') return env[check.env]?.includes(check.includes) === true;
    if ('any' in check && Array.isArray(check.any)) return check.any.some((name) => present(env, name));
    return Object.entries(check as Record<string, string>).every(([name, value]) => env[name] === value);
  });
}

/**
 * Why this environment is CI, as `CI=true` or `Jenkins: JENKINS_URL`-like text, or `undefined` when it is not.
 * Detection is ci-info's (its catalogue of services, as jest uses it), evaluated on `env` so it can be
 * tested; `CI=false` or `CI=0` turns it off whatever else is set.
 */
export function ciReason(env: ModeEnv = process.env): string | undefined {
  const ci = env.CI?.trim().toLowerCase();
  if (ci === 'false' || ci === '0') return undefined;
  const vendor = (ciVendors as Vendor[]).find((v) => vendorMatches(env, v));
  if (vendor !== undefined) return `${vendor.name}: ${[vendor.env].flat().map((e) => (typeof e === 'string' ? e : Object.keys(e)[0])).join(', ')}`;
  const generic = GENERIC_CI.find((name) => present(env, name));
  return generic === undefined ? undefined : `${generic}=${env[generic]}`;
}

/** True when the environment is CI (see {@link ciReason}): any CI service ci-info knows, or `CI` set and not `false`/`0`. */
export function isCI(env: ModeEnv = process.env): boolean {
  return ciReason(env) !== undefined;
}

/**
 * {@link isCI}, as every scope asks it. `CI` (and `CI=false`) is read each time; the named services are
 * looked for once per process when `env` is `process.env`, as ci-info and std-env do: a scan of ~50
 * services through `process.env` (each read a call into the runtime) cost every test ~50 µs of cold code.
 */
function underCI(env: ModeEnv): boolean {
  const raw = env.CI;
  if (raw !== undefined && raw !== '') {
    const ci = raw.trim().toLowerCase();
    // `CI` set is CI whatever else is (ciReason's generic rule), so no service needs looking for.
    return ci !== 'false' && ci !== '0';
  }
  // `CI` unset or empty: only a named service or another generic variable can say CI.
  if (env !== process.env) return ciReason(env) !== undefined;
  return (serviceCI ??= ciReason(env) !== undefined);
}
let serviceCI: boolean | undefined;

/** Reads `RECORD` into a mode; an unknown value throws `invalid-mode`, listing the valid ones. */
function parseMode(raw: string, source: string): Mode {
  const key = raw.trim().toLowerCase();
  // Own keys only: RECORD=constructor or __proto__ must not find Object.prototype's members.
  const mode = Object.hasOwn(RECORD_VALUES, key) ? RECORD_VALUES[key] : undefined;
  if (mode !== undefined) return mode;
  throw new ReplayError(
    'invalid-mode',
    `tapedeck: ${source}=${JSON.stringify(raw)} is not a mode tapedeck knows.\n` +
      `  valid: RECORD unset (auto), RECORD=0 or none (replay), RECORD=1 or all (re-record), RECORD=new (append missing),\n` +
      `         RECORD=off (passthrough: live, nothing written), RECORD=verify (live, compared with the cassette).\n` +
      `  (as a \`mode\` option: 'auto', 'replay', 'record', 'new', 'passthrough', 'verify')`,
  );
}

/**
 * Resolves the mode (the only place tapedeck reads `process.env`): `requested` (an explicit `mode`
 * option) or else `RECORD`, then the CI rule, which binds both. Under CI, `auto` means `replay`, and a
 * writing mode (`record`, `new`) throws `record-forbidden-in-ci` unless `TAPEDECK_ALLOW_CI_RECORD=1`. An
 * unknown value throws `invalid-mode`, listing the valid ones.
 */
export function resolveMode(env: ModeEnv = process.env, requested?: Mode): Mode {
  const source = requested === undefined ? 'RECORD' : 'mode';
  const raw = requested ?? env.RECORD ?? '';
  const mode = parseMode(String(raw), source);
  if (!underCI(env)) return mode;
  if (mode === 'auto') return 'replay';
  if (WRITING_MODES.has(mode) && env.TAPEDECK_ALLOW_CI_RECORD !== '1') {
    const ci = ciReason(env);
    const asked = requested === undefined ? `RECORD=${raw}` : `withCassette({ mode: '${raw}' })`;
    throw new ReplayError(
      'record-forbidden-in-ci',
      `tapedeck: record-forbidden-in-ci: ${asked} asks to record, but CI is set (${ci}): under CI cassettes are replay-only and nothing is written.\n` +
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
