import { ToolCallCassette } from './cassette.js';
import { effectiveOptions, type TapedeckOptions } from './config.js';
import { runInSession } from './context.js';
import type { ReplayError } from './errors.js';
import { attachHttp } from './http/index.js';
import { seal } from './http/seal.js';
import { resolveMode, type Mode } from './mode.js';
import { CassetteSession } from './session.js';
import { loadJsonFileSync } from './store.js';

/** Options of {@link withCassette}: where the cassette is, and anything `configure()` takes. */
export interface WithCassetteOptions extends TapedeckOptions {
  /** The cassette file. */
  path: string;
  /**
   * Overrides the mode resolved from `RECORD`. The CI rule still applies: under CI `auto` means
   * `replay`, and `record` / `new` throw `record-forbidden-in-ci` (unless `TAPEDECK_ALLOW_CI_RECORD=1`).
   */
  mode?: Mode;
  /** The command that re-records this test, shown in errors (the adapters fill it in). */
  fix?: string;
}

/** What the adapters add to {@link WithCassetteOptions}: the test's identity and the runner's verdict. */
export interface ScopeHooks {
  /** The re-record command, worked out only if a message needs it (overrides `fix`). */
  fixCommand?: () => string;
  /** The test's name as the runner shows it, for messages. */
  name?: string;
  /**
   * The runner's verdict once the test body has returned: true when the test failed without throwing
   * (a soft assertion, `expect.assertions(n)`, a timeout that abandoned it). A failed test writes nothing.
   */
  failed?: () => boolean;
  /** Where a call that arrives after the test finished is reported (the test file's own cassette). */
  onLateFailure?: (error: ReplayError) => void;
  /** Count the cassette in the run summary only once a call used it (the test file's own cassette). */
  countWhenUsed?: boolean;
  /** Keep serving (and saving) calls after the scope ended (the test file's own cassette). */
  lingers?: boolean;
}

/**
 * Builds the session of one cassette scope: resolves the mode (the CI rule included), loads the file and
 * validates it. Synchronous, so the file-level cassette can be opened on the first call that needs it.
 */
export function openSession(options: WithCassetteOptions & ScopeHooks): CassetteSession {
  const opts = effectiveOptions(options);
  const mode = resolveMode(undefined, options.mode);
  const stored = mode === 'passthrough' ? null : loadJsonFileSync(options.path);
  // Args hashes are checked on each entry's first use: a test replays a few entries of a file that may hold thousands.
  const loaded = stored === null ? null : { cassette: ToolCallCassette.fromJSON(stored.data, options.path, { verify: 'on-use' }), text: stored.text };
  return new CassetteSession({
    path: options.path,
    mode,
    options: opts,
    loaded,
    ...(options.fixCommand !== undefined ? { fix: options.fixCommand } : options.fix === undefined ? {} : { fix: options.fix }),
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.onLateFailure === undefined ? {} : { onLateFailure: options.onLateFailure }),
    ...(options.countWhenUsed === true ? { countWhenUsed: true } : {}),
    ...(options.lingers === true ? { lingers: true } : {}),
  });
}

/**
 * Runs `fn` with a cassette active: loads `path`, makes every `tool()` call and HTTP request inside `fn`
 * (and everything it awaits) record or replay, then reports unused entries and saves as the mode says.
 * A failing `fn` writes nothing. Inside the scope the network is sealed: a connection that does not go
 * through tapedeck fails the test (`network-in-replay`), except to a `passthrough` host.
 */
export async function withCassette<T>(options: WithCassetteOptions, fn: (cassette: ToolCallCassette) => T | Promise<T>): Promise<T> {
  return runScope(options, fn);
}

/** {@link withCassette} with the adapters' hooks. */
export async function runScope<T>(options: WithCassetteOptions & ScopeHooks, fn: (cassette: ToolCallCassette) => T | Promise<T>): Promise<T> {
  const session = openSession(options);
  const unseal = seal();
  const detach = session.options.http === false ? undefined : await attachHttp(session.options);
  try {
    const result = await runInSession(session, () => fn(session.cassette));
    if (options.failed?.() === true) {
      // The runner knows the test failed although its body returned (expect.soft, expect.assertions, a
      // timeout): nothing is written, and a problem tapedeck noted is reported beside the runner's own.
      await session.finish('failed');
      if (session.failures[0] !== undefined) throw session.failures[0];
      return result;
    }
    await session.finish('passed');
    return result;
  } catch (error) {
    await session.finish('failed');
    throw session.rootCause(error);
  } finally {
    await detach?.();
    unseal();
    // End the scope on a new job. V8 keeps the targets of WeakRefs made during a job (undici makes some
    // per fetch, and through their async context they hold this session and its cassette) until the job
    // ends; a loop of replayed scopes never waits for real I/O, so without this it would hold them all.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
