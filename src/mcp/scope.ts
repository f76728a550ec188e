// The one place where src/mcp meets the cassette session: which scope a client request belongs to, and
// how the inner transport's own traffic stays out of it. Everything else in src/mcp only sees `Tape`.
import { currentSession, runOutsideSession } from '../context.js';

/** One call handed to the active scope, which replays, records or makes it live as its mode says. */
export interface TapedCall<T> {
  toolId: string;
  args: unknown;
  live: () => Promise<T>;
}

/** Tapes calls into the scope that was active when it was taken. */
export type Tape = <T>(call: TapedCall<T>) => Promise<T>;

/** The tape of the current async context (a test's cassette), or `undefined` outside any. */
export function activeTape(): Tape | undefined {
  const session = currentSession();
  return session === undefined ? undefined : (call) => session.call(call);
}

/**
 * Runs the inner transport's work (spawning, connecting, sending) outside any cassette, so a
 * Streamable HTTP exchange is taped once, as MCP, and not again as the HTTP requests that carry it.
 */
export function outsideTape<T>(fn: () => T): T {
  return runOutsideSession(fn);
}
