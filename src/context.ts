import { AsyncLocalStorage } from 'node:async_hooks';
import type { CassetteSession } from './session.js';

/**
 * The store of a live call's body (see {@link runOutsideSession}): no cassette, and the network is open,
 * because tapedeck itself is making the call for real. A registered symbol, so every copy agrees.
 */
const LIVE: unique symbol = Symbol.for('tapedeck.live') as never;
type Scope = CassetteSession | typeof LIVE;

interface Holder {
  storage: AsyncLocalStorage<Scope>;
  /**
   * The cassette of the test file itself, for calls made outside any test (DESIGN section 10): at most
   * one. A Set, not a property, because it is changed after jest has torn the file's global down (the next
   * file ends this one's seal), and jest 30 turns a torn-down global's properties into accessors whose
   * setter recurses forever (jest-util `deleteProperty`, soft mode).
   */
  fileSession: Set<() => CassetteSession>;
}

// Keyed on globalThis so that the ESM and CJS builds, or two copies of tapedeck loaded by one test
// runner, still agree on which cassette is active. (jest gives each test file a global of its own, and
// so a holder of its own.)
const KEY = Symbol.for('tapedeck.context');
const holder: Holder = ((globalThis as typeof globalThis & { [KEY]?: Holder })[KEY] ??= {
  storage: new AsyncLocalStorage<Scope>(),
  fileSession: new Set(),
});
// Read once: after jest tears a file's global down, reading the holder's properties warns (JEST-01).
const storage = holder.storage;
const fileSessions = holder.fileSession;

/**
 * The cassette session of the current async context: the test's, else the test file's own (a call at a
 * module's top level or in a `beforeAll`), else none. Inside a live call's body there is none.
 */
export function currentSession(): CassetteSession | undefined {
  const scope = storage.getStore();
  if (scope === LIVE) return undefined;
  if (scope !== undefined) return scope;
  for (const session of fileSessions) return session();
  return undefined;
}

/** Whether the current async context is the body of a call tapedeck is making live (the network is open to it). */
export function inLiveCall(): boolean {
  return storage.getStore() === LIVE;
}

/** Runs `fn` with `session` active for everything it calls, synchronously or asynchronously. */
export function runInSession<T>(session: CassetteSession, fn: () => T): T {
  return storage.run(session, fn);
}

/**
 * Runs `fn` with no cassette active, as a live call. A taped call's live body runs this way: a tool that
 * fetches is recorded once, as the tool, not again as its inner HTTP request (which replay would never
 * make), and the network seal lets its connections through.
 */
export function runOutsideSession<T>(fn: () => T): T {
  return storage.run(LIVE, fn);
}

/**
 * Makes `session()` the cassette of calls made outside any test (the adapters set it for the test file
 * while it runs). Returns a function that removes it again.
 */
export function setFileSession(session: () => CassetteSession): () => void {
  fileSessions.clear();
  fileSessions.add(session);
  return () => void fileSessions.delete(session);
}
