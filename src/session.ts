import { ToolCallCassette, resolveCall, serializeError, unwrapResult, type ResolvedCall } from './cassette.js';
import type { TapedeckOptions } from './config.js';
import { runOutsideSession } from './context.js';
import { diffJson, formatDifference } from './diff.js';
import { currentEnvironment, environmentDrift, runtimeEnvironmentOf } from './environment.js';
import { ReplayError, isReplayError } from './errors.js';
import type { EntryResult } from './format.js';
import { toJsonValue } from './hash.js';
import { recordUnused } from './unused-record.js';
import { omitPaths } from './json-path.js';
import { WRITING_MODES, type Mode } from './mode.js';
import { decide, shouldSave } from './policy.js';
import { addToRun, countDrift, emptyStats, type CassetteStats } from './report.js';
import { fileStore, stableStringify, type CassetteStore } from './store.js';
import { driftVerdict } from './transcript/verdict.js';
import { maskSecrets } from './secrets/index.js';
import { VERSION } from './version.js';

/** What a recording says, leaving out timings: entries without `delayMs`, and the tool signatures. */
function recordingOf(cassette: ToolCallCassette): string {
  const { entries } = cassette.toJSON();
  return stableStringify([entries, cassette.meta.tools ?? {}], (key) => key !== 'delayMs');
}

function view(result: EntryResult, compareView: ((stored: unknown) => unknown) | undefined): EntryResult {
  return compareView === undefined || !result.ok ? result : { ...result, value: compareView(result.value) };
}

/** One call as the session sees it: what it is, and how to make it for real. */
export interface SessionCall<T> {
  toolId: string;
  /** The call's args, before `ignore` paths are removed. */
  args: unknown;
  /** The args are plain JSON tapedeck built for this call alone (an HTTP key): used as they are, not copied. */
  plainArgs?: boolean;
  /** The tool's signature (`tool()` with `schema`/`version`); checked against the cassette on replay. */
  signature?: string;
  /** Makes the call for real. */
  live: () => Promise<T>;
  /** Turns a live result into what is stored (default: its JSON form). */
  encode?: (value: T) => unknown;
  /** Turns a stored value back into what the caller gets (default: the value itself). */
  decode?: (stored: unknown) => T;
  /** `verify` mode: the part of a stored value that must match live (default: all of it). */
  compareView?: (stored: unknown) => unknown;
  /** Told about each recorded value that is replayed (HTTP counts the LLM tokens it saved). */
  onReplay?: (stored: unknown, stats: CassetteStats) => void;
  /**
   * The caller only reads the replayed value and hands out none of it (HTTP serialises it into a new
   * `Response`), so it gets the recording itself instead of a deep copy: a replayed request skips a
   * structuredClone. `decode` and `onReplay` must not modify it.
   */
  readOnly?: boolean;
}

/** Everything a session needs; the adapters and `withCassette` build it from options and the mode. */
export interface SessionInit {
  path: string;
  mode: Mode;
  options: TapedeckOptions;
  /** The cassette as loaded (`null`: no file yet), and its exact text for the conflict check. */
  loaded: { cassette: ToolCallCassette; text: string } | null;
  /**
   * The command that re-records this test, e.g. `RECORD=1 npx vitest run a.test.ts -t "name"`; a function
   * is called once, when a message first needs it (most tests never do).
   */
  fix?: string | (() => string);
  /** The test's name as the runner shows it (`describe › test`), for messages. */
  name?: string;
  /** Count this cassette in the run's summary only once a call used it (a test file's own cassette). */
  countWhenUsed?: boolean;
  /**
   * Keep serving calls after `finish()`, saving each one recorded then (a test file's own cassette: jest
   * runs a user's `afterAll` hooks after the adapter's, in the order they were declared). Such a session
   * reports no unused entries: which of a file's own calls run depends on which of its tests were selected.
   */
  lingers?: boolean;
  /**
   * Where a problem goes that arrives after this session finished (a call made in its async context by
   * a queue or pool created outside the test): the test file's own cassette, which fails at its end.
   */
  onLateFailure?: (error: ReplayError) => void;
  store?: CassetteStore;
}

/**
 * The cassette of one running test: applies the per-call decision (`decide`) for `tool()` calls and HTTP
 * alike, remembers what went wrong even when the code under test swallowed the error, and saves at the end.
 */
export class CassetteSession {
  readonly path: string;
  readonly mode: Mode;
  readonly options: TapedeckOptions;
  readonly cassette: ToolCallCassette;
  readonly stats: CassetteStats = emptyStats();
  /** Problems to report when the test ends, even if the code under test caught them. */
  readonly failures: ReplayError[] = [];
  readonly #fileExisted: boolean;
  #loadedText: string | null;
  readonly #lingers: boolean;
  /** Finished, but still serving calls (see `lingers`). */
  #lingering = false;
  readonly #original: ToolCallCassette | null;
  #fixText: string | (() => string) | undefined;
  readonly #store: CassetteStore;
  readonly #name: string | undefined;
  readonly #onLateFailure: ((error: ReplayError) => void) | undefined;
  /** Connections refused by the seal, by `host:port`: each is reported once. */
  readonly #refused = new Map<string, ReplayError>();
  /** `passthrough` mode: connections that bypassed interception, already counted live. */
  readonly #liveSockets = new WeakSet<object>();
  #changed = false;
  #closed = false;

  constructor(init: SessionInit) {
    this.path = init.path;
    this.mode = init.mode;
    this.options = init.options;
    this.#fixText = init.fix;
    this.#name = init.name;
    this.#lingers = init.lingers === true;
    this.#onLateFailure = init.onLateFailure;
    this.#store = init.store ?? fileStore;
    this.#fileExisted = init.loaded !== null;
    // The file's text serves the conflict check and skipping an identical write, so it is kept only where
    // this session may write over the file: a replaying test would otherwise hold the file twice (2x heap).
    this.#loadedText = init.loaded !== null && shouldSave(init.mode, { fileExisted: true, changed: true }) ? init.loaded.text : null;
    this.#original = init.loaded?.cassette ?? null;
    const base = init.loaded?.cassette ?? new ToolCallCassette(init.path);
    base.source = init.path;
    // `record` rewrites the file from scratch (unused entries dropped) but keeps unknown fields.
    this.cassette = init.mode === 'record' ? base.emptyCopy() : base;
    this.stats.cassettes = init.countWhenUsed === true ? 0 : 1;
  }

  /** The command that re-records this test (see `SessionInit.fix`). */
  get #fix(): string | undefined {
    if (typeof this.#fixText === 'function') this.#fixText = this.#fixText();
    return this.#fixText;
  }

  /** Makes, replays, records or verifies one call, as the mode and the cassette say. */
  async call<T>(spec: SessionCall<T>): Promise<T> {
    const started = this.#start(spec);
    if ('value' in started) return started.value;
    const { action, call } = started;
    const live = () => runOutsideSession(spec.live);
    switch (action) {
      case 'live': {
        this.stats.live++;
        return live();
      }
      case 'record': {
        this.stats.recorded++;
        this.#changed = true;
        if (spec.signature !== undefined || this.cassette.signatureOf(call.toolId) !== undefined) {
          this.cassette.setSignature(call.toolId, spec.signature);
        }
        const fill = this.cassette.reserve(call);
        try {
          const value = await live();
          fill(this.#encode(spec, value));
          if (this.#lingering) await this.#save();
          return value;
        } catch (error) {
          if (!isReplayError(error)) fill({ ok: false, error: serializeError(error) });
          throw error;
        }
      }
      case 'verify': {
        const recorded = this.#take(call).result;
        let result: EntryResult;
        let value: T | undefined;
        let thrown: unknown;
        try {
          value = await live();
          result = this.#encode(spec, value);
        } catch (error) {
          thrown = error;
          result = { ok: false, error: serializeError(error) };
        }
        this.#verify(call, view(recorded, spec.compareView), view(result, spec.compareView));
        this.stats.live++;
        if (thrown !== undefined) throw thrown;
        return value as T;
      }
    }
  }

  /**
   * {@link call}, synchronously, when the call replays (or fails: a miss, a closed session, a recorded
   * error): `{ value }`, or the throw. `undefined` when it has to be made (recording, verify, live): then
   * `call()` makes it (HTTP's front answers a replay without a promise per step, see fetch-front.ts).
   */
  replayNow<T>(spec: SessionCall<T>): { value: T } | undefined {
    const started = this.#start(spec);
    return 'value' in started ? started : undefined;
  }

  /** What every call does first: decide, and replay (or fail) when that is the decision. */
  #start<T>(spec: SessionCall<T>): { value: T } | { action: 'record' | 'verify' | 'live'; call: ResolvedCall } {
    if (this.#closed) throw this.#late(spec.toolId);
    this.stats.cassettes = 1;
    const call = resolveCall({ toolId: spec.toolId, args: spec.args }, this.options.ignore, spec.plainArgs === true);
    const action = decide(this.mode, { recorded: this.cassette.has(call), fileExisted: this.#fileExisted });
    if (action !== 'live') this.#checkSignature(call, spec.signature);
    switch (action) {
      case 'replay': {
        this.stats.replayed++;
        const stored = unwrapResult(this.#take(call, { copy: spec.readOnly !== true }).result);
        spec.onReplay?.(stored, this.stats);
        return { value: spec.decode === undefined ? (stored as T) : spec.decode(stored) };
      }
      case 'miss': {
        this.stats.misses++;
        throw this.#fail(this.cassette.missError(call, { fix: this.#fix, why: this.#whyNotRecorded() }));
      }
      default:
        return { action, call };
    }
  }

  /**
   * The next recording of a call `decide` found. Its args hash is checked on first use (the session loads
   * with `verify: 'on-use'`): an edited entry fails the test even if the code under test swallows the error.
   */
  #take(call: ResolvedCall, options?: { copy?: boolean }): { result: EntryResult; index: number } {
    try {
      return this.cassette.take(call, options)!;
    } catch (error) {
      if (isReplayError(error)) throw this.#fail(error);
      throw error;
    }
  }

  #encode<T>(spec: SessionCall<T>, value: T): EntryResult {
    let stored: unknown;
    try {
      stored = toJsonValue(spec.encode ? spec.encode(value) : value, 'output', { lenient: true });
    } catch (error) {
      // Fails the test even if the code under test catches it: otherwise the recording run passes
      // without the entry, and the next run misses it with no hint why.
      if (isReplayError(error)) this.#fail(error);
      throw error;
    }
    return stored === undefined ? { ok: true } : { ok: true, value: stored };
  }

  /** The problem of a call (or connection) that arrived after this test finished: thrown, and reported to the file. */
  #late(what: string): ReplayError {
    const test = this.#name === undefined ? this.path : `"${this.#name}" (${this.path})`;
    const error = new ReplayError(
      'session-closed',
      `tapedeck: session-closed: ${what} was called in the async context of test ${test}, which had already finished.\n` +
        `  Its cassette is closed, so the call can be neither replayed nor recorded. The usual cause is a queue, pool or\n` +
        `  client created outside the test (at module level) that runs later work in the context of the test that first used it.\n` +
        `  fix: create the queue or pool inside each test (or in beforeEach), or run its work with AsyncResource.bind() from the calling test.`,
      { toolId: what, cassettePath: this.path },
    );
    this.#onLateFailure?.(error);
    return error;
  }

  /**
   * The seal's verdict on a connection that did not go through tapedeck (see src/http/seal.ts): in
   * `passthrough` mode it is allowed and counted live; otherwise it is refused with a test failure that
   * names the likely cause (`unavailable`: interception could not be established here, and why).
   */
  bypassedNetwork(target: { host: string; port: number }, unavailable: string | undefined, socket?: object): ReplayError | undefined {
    const where = `${target.host}:${target.port}`;
    if (this.#closed) return this.#late(`a connection to ${where}`);
    if (this.mode === 'passthrough') {
      // Counted once per connection this scope used (its writes are not requests one to one).
      if (socket === undefined || !this.#liveSockets.has(socket)) this.stats.live++;
      if (socket !== undefined) this.#liveSockets.add(socket);
      return undefined;
    }
    const known = this.#refused.get(where);
    if (known !== undefined) return known;
    const fix = this.#fix ?? 'RECORD=1 <your test command>';
    const allow = `configure({ passthrough: ['${where}'] })`;
    let error: ReplayError;
    if (unavailable !== undefined) {
      // The loader's reason ends with its own fix line: it becomes this message's fix.
      const [why, own] = unavailable.split(/\n\s*fix: /);
      error = new ReplayError(
        'http-unavailable',
        `tapedeck: http-unavailable: a connection to ${where} was refused: HTTP cannot be taped here, and tapedeck never lets a call out untaped.\n` +
          `  cassette: ${this.path}\n  why: ${why}\n` +
          `  fix: ${own === undefined ? 'make interception loadable as said above' : own.replace(/\.$/, '')}; then re-run. To let this host through untaped: ${allow}.`,
        { cassettePath: this.path },
      );
    } else {
      const replaying = this.mode === 'replay' || this.mode === 'verify';
      const reason = replaying ? 'network-in-replay' : 'network-unrecorded';
      const what = replaying
        ? `tapedeck: network-in-replay: a connection to ${where} was refused: this cassette replays, and nothing may reach the network.\n`
        : `tapedeck: network-unrecorded: a connection to ${where} was refused: it did not go through tapedeck, so it could not be recorded (mode: ${this.mode}).\n`;
      error = new ReplayError(
        reason,
        what +
          `  cassette: ${this.path}\n` +
          `  The request bypassed tapedeck's interception. Likely causes:\n` +
          `    - an SDK client (openai, @anthropic-ai/sdk, ...) built before tapedeck was imported: it captured fetch first.\n` +
          `      Import 'tapedeck/vitest' (or 'tapedeck/jest') above the module that builds the client, or in a setup file.\n` +
          `    - a client with a dispatcher or agent of its own (undici.request, a second copy of undici), or a worker thread.\n` +
          `    - a database or other TCP service the test uses on purpose: allow it with ${allow}.\n` +
          `  fix: ${replaying ? `after fixing the cause, re-record: ${fix}` : `fix the cause, then re-run: ${fix}`}`,
        { cassettePath: this.path, ...(this.#fix ? { fix: this.#fix } : {}) },
      );
    }
    this.#refused.set(where, error);
    this.#fail(error);
    return error;
  }

  #checkSignature(call: ResolvedCall, signature: string | undefined): void {
    const recorded = this.cassette.signatureOf(call.toolId);
    if (recorded === signature || !this.cassette.hasTool(call.toolId)) return;
    throw this.#fail(
      new ReplayError(
        'tool-signature-mismatch',
        `tapedeck: ${call.toolId} changed since ${this.path} was recorded, so its recordings may no longer be true.\n` +
          `  recorded signature: ${recorded ?? '(none: recorded without schema/version)'}\n` +
          `  current signature:  ${signature ?? '(none: no schema/version now)'}\n` +
          `  fix: ${this.#fix ?? 'RECORD=1 <your test command>'}`,
        { toolId: call.toolId, argsHash: call.argsHash, cassettePath: this.path, ...(this.#fix ? { fix: this.#fix } : {}) },
      ),
    );
  }

  #verify(call: ResolvedCall, recorded: EntryResult, live: EntryResult): void {
    const ignore = this.options.verifyIgnore ?? [];
    const [before, after] = [omitPaths(recorded, ignore.map((p) => `value.${p}`)), omitPaths(live, ignore.map((p) => `value.${p}`))];
    const tolerance = this.options.tolerance ?? 1e-9;
    const differences = diffJson(before, after, { tolerance, root: 'result', limit: 20 }).map((d) => formatDifference(d));
    if (differences.length === 0) return;
    this.stats.drift++;
    // Only ids, timestamps or the chunking of a stream differ: counted in the summary, not a failure.
    const { verdict, reasons } = driftVerdict(call, before, after, { tolerance });
    countDrift(this.stats, verdict);
    if (verdict === 'same meaning') return;
    this.#fail(
      new ReplayError(
        'drift',
        `tapedeck: drift: ${verdict}: ${call.toolId} answered differently from its recording in ${this.path}.\n` +
          `  argsHash: ${call.argsHash}\n${reasons.map((r) => `  ${verdict}: ${r}\n`).join('')}` +
          `  (recorded -> live)\n${differences.map((d) => `    ${d}`).join('\n')}\n` +
          `  fix: if the new answer is right, re-record: ${this.#fix ?? 'RECORD=1 <your test command>'}; ` +
          `if the field changes on every call, add it to verifyIgnore.`,
        { toolId: call.toolId, argsHash: call.argsHash, cassettePath: this.path, differences },
      ),
    );
  }

  #whyNotRecorded(): string {
    if (this.mode === 'replay') return 'mode: replay (RECORD=0, or CI is set): unrecorded calls fail and nothing is written.';
    if (this.mode === 'verify') return 'mode: verify: only recorded calls can be verified.';
    return 'mode: auto: the cassette file exists, so new calls are not recorded into it.';
  }

  /**
   * What to report when the test failed: a miss (or drift, ...) noted during the test is usually why the
   * code under test failed (an SDK turns the replayed network error into its own), so it comes first,
   * with the test's own error attached as `cause` and quoted.
   */
  rootCause(error: unknown): unknown {
    const first = this.failures[0];
    if (first === undefined || first === error) return error;
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    first.message += `\n  (the test then failed with: ${message.split('\n')[0]})`;
    // The test's error may carry this one as a cause already (a refused socket's error inside fetch's).
    let chained = false;
    for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 20 && !chained; cause = cause.cause, depth++) chained = cause === first;
    if (first.cause === undefined && !chained) Object.defineProperty(first, 'cause', { value: error, configurable: true, writable: true });
    return first;
  }

  #fail(error: ReplayError): ReplayError {
    this.failures.push(error);
    return error;
  }

  /**
   * Ends the scope. A failed test writes nothing. Otherwise: problems the code under test swallowed are
   * thrown, unused entries are reported (or fail the test when `strict`), and the cassette is saved when
   * the mode writes and something changed.
   */
  async finish(outcome: 'passed' | 'failed'): Promise<void> {
    if (this.#closed || this.#lingering) return;
    if (this.#lingers) this.#lingering = true;
    else this.#closed = true;
    try {
      if (outcome === 'failed') return;
      const first = this.failures[0];
      if (first !== undefined) {
        if (this.failures.length > 1) {
          const more = this.failures.slice(1);
          const shown = more.slice(0, 5).map((f) => f.message.replace(/^tapedeck: /, '').replace(/^/gm, '    '));
          first.message += `\n  ${more.length} more problem${more.length > 1 ? 's' : ''} in this test:\n${shown.join('\n')}`;
          if (more.length > 5) first.message += `\n    … and ${more.length - 5} more`;
          if (first.differences !== undefined) {
            (first as { differences?: string[] }).differences = this.failures.flatMap((f) => f.differences ?? []);
          }
        }
        throw first;
      }
      this.#reportEnvironmentDrift();
      const unused = this.mode === 'record' || this.mode === 'passthrough' || this.#lingers ? [] : this.cassette.unused();
      this.stats.unused = unused.length;
      // Noted beside the cassette (cleared when none), so `tapedeck prune` can drop them later.
      // Not in replay-only modes: under CI nothing is ever written.
      // A file's own cassette reports none, and its folder is shared by every test file's: it writes no note.
      if (WRITING_MODES.has(this.mode) && !this.#lingers) await recordUnused(this.path, unused, (message) => this.#warn(message));
      if (unused.length > 0) {
        const list = unused.slice(0, 20).map((e) => `    entries[${e.index}] ${e.toolId} ${e.argsHash.slice(0, 12)}…`);
        if (unused.length > 20) list.push(`    … and ${unused.length - 20} more`);
        const text =
          `${unused.length} recorded call${unused.length === 1 ? ' was' : 's were'} never replayed in ${this.path}:\n${list.join('\n')}\n` +
          `  The code no longer makes ${unused.length === 1 ? 'it' : 'them'}. fix: ${this.#fix ?? 'RECORD=1 <your test command>'} (re-recording drops unused entries)`;
        if (this.options.strict === true) {
          throw new ReplayError('unused-entries', `tapedeck: unused-entries: ${text}`, {
            cassettePath: this.path,
            unused: unused.map((e) => ({ toolId: e.toolId, argsHash: e.argsHash, index: e.index })),
            ...(this.#fix ? { fix: this.#fix } : {}),
          });
        }
        this.#warn(`tapedeck: warning: ${text}`);
      }
      await this.#save();
    } finally {
      addToRun(this.stats);
    }
  }

  async #save(): Promise<void> {
    if (!shouldSave(this.mode, { fileExisted: this.#fileExisted, changed: this.#changed })) return;
    if (this.cassette.size === 0 && !this.#fileExisted) return; // a test that made no calls leaves no file
    // Only `record` starts from an empty copy; in the other writing modes a change is an appended entry.
    // A re-recording that differs only in timings (SSE delayMs jitter) is the same recording: the file
    // is left as it was, so re-recording an unchanged run is byte-identical.
    if (this.#original !== null && this.cassette !== this.#original) {
      // Calls that answered the same, volatile headers and timings aside, keep their previous bytes.
      this.cassette.keepUnchanged(this.#original);
      if (recordingOf(this.#original) === recordingOf(this.cassette)) return;
    }
    this.cassette.updateMeta({ tapedeck: VERSION, recordedAt: new Date().toISOString(), environment: currentEnvironment() });
    const text = this.cassette.serialize(this.path);
    if (text === this.#loadedText) return;
    await this.#store.save(this.path, text, { expected: this.#loadedText });
    this.#loadedText = text;
    this.stats.written = 1;
  }

  #reportEnvironmentDrift(): void {
    if (this.#original === null || this.stats.replayed === 0) return;
    for (const warning of this.#original.warnings) this.#warn(`tapedeck: warning: ${warning}`);
    const recorded = this.#original.recordedEnvironment;
    const drift = environmentDrift(recorded, runtimeEnvironmentOf(Object.keys(recorded?.packages ?? {})));
    if (drift.length > 0) {
      this.#warn(`tapedeck: warning: ${this.path} was recorded in a different environment (replay is unaffected; re-record if answers may have changed):\n${drift.map((d) => `    ${d}`).join('\n')}`);
    }
  }

  #warn(message: string): void {
    (this.options.onWarning ?? console.warn)(maskSecrets(message));
  }
}
