import { ToolCallCassette } from './cassette.js';
import { effectiveOptions, type TapedeckOptions } from './config.js';
import { runInSession } from './context.js';
import { attachHttp } from './http/index.js';
import { resolveMode, type Mode } from './mode.js';
import { CassetteSession } from './session.js';
import { fileStore } from './store.js';

/** Options of {@link withCassette}: where the cassette is, and anything `configure()` takes. */
export interface WithCassetteOptions extends TapedeckOptions {
  /** The cassette file. */
  path: string;
  /** Overrides the mode resolved from `RECORD` / `CI`. */
  mode?: Mode;
  /** The command that re-records this test, shown in errors (the adapters fill it in). */
  fix?: string;
}

/**
 * Runs `fn` with a cassette active: loads `path`, makes every `tool()` call and HTTP request inside `fn`
 * (and everything it awaits) record or replay, then reports unused entries and saves as the mode says.
 * A failing `fn` writes nothing.
 */
export async function withCassette<T>(options: WithCassetteOptions, fn: (cassette: ToolCallCassette) => T | Promise<T>): Promise<T> {
  const opts = effectiveOptions(options);
  const mode = options.mode ?? resolveMode();
  const stored = mode === 'passthrough' ? null : await fileStore.load(options.path);
  const loaded = stored === null ? null : { cassette: ToolCallCassette.fromJSON(stored.data, options.path), text: stored.text };
  const session = new CassetteSession({ path: options.path, mode, options: opts, loaded, ...(options.fix === undefined ? {} : { fix: options.fix }) });
  const detach = opts.http === false ? undefined : await attachHttp(opts);
  try {
    const result = await runInSession(session, () => fn(session.cassette));
    await session.finish('passed');
    return result;
  } catch (error) {
    await session.finish('failed');
    throw session.rootCause(error);
  } finally {
    await detach?.();
    // End the scope on a new job. V8 keeps the targets of WeakRefs made during a job (undici makes some
    // per fetch, and through their async context they hold this session and its cassette) until the job
    // ends; a loop of replayed scopes never waits for real I/O, so without this it would hold them all.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
