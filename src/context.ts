import { AsyncLocalStorage } from 'node:async_hooks';
import type { CassetteSession } from './session.js';

// Keyed on globalThis so that the ESM and CJS builds, or two copies of tapedeck loaded by one test
// runner, still agree on which cassette is active.
const KEY = Symbol.for('tapedeck.activeCassette');
const holder = globalThis as typeof globalThis & { [KEY]?: AsyncLocalStorage<CassetteSession> };
const storage: AsyncLocalStorage<CassetteSession> = (holder[KEY] ??= new AsyncLocalStorage<CassetteSession>());

/** The cassette session of the current async context, if any. */
export function currentSession(): CassetteSession | undefined {
  return storage.getStore();
}

/** Runs `fn` with `session` active for everything it calls, synchronously or asynchronously. */
export function runInSession<T>(session: CassetteSession, fn: () => T): T {
  return storage.run(session, fn);
}

/**
 * Runs `fn` with no cassette active. A taped call's live body runs this way: a tool that fetches is
 * recorded once, as the tool, not again as its inner HTTP request (which replay would never make).
 */
export function runOutsideSession<T>(fn: () => T): T {
  return storage.exit(fn);
}
