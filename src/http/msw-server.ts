import type { MswServerLike } from '../config.js';
import { currentSession } from '../context.js';
import { MISSING_MODULE, explainLoadError, nativeRequire } from './native.js';
import { answer, intercepted } from './route.js';

type Msw = typeof import('msw');

/** tapedeck's one catch-all msw handler, created on first use of `configure({ mswServer })`. */
let handler: unknown;

/**
 * Appends tapedeck's handler to the user's own msw server, after their handlers: a request one of theirs
 * answers never reaches the cassette, and msw never reports a taped one as unhandled. tapedeck's own
 * listener, kept after theirs, answers only what their server could not hear.
 */
export async function attachToUserServer(server: MswServerLike): Promise<void> {
  handler ??= build(await loadMsw());
  const current = server.listHandlers();
  if (current.includes(handler)) return;
  // `use()` would put ours first; the user's handlers must win, so re-seed the list with ours last.
  server.resetHandlers(...current, handler);
}

function build(msw: Msw): unknown {
  // One handler for every request, routed by the async context: msw tries handlers in order
  // (~35-40 µs each), so a handler per recorded entry would make each request cost milliseconds.
  return msw.http.all('*', async ({ request }) => {
    const session = currentSession();
    if (session === undefined) return undefined; // outside any cassette: the user's server decides
    const result = await answer(intercepted(request), session);
    if (result === 'passthrough') return msw.passthrough();
    // An msw handler cannot fail a request with a cause; a network error is the closest it has.
    return result instanceof Response ? result : Response.error();
  });
}

/** The user has msw (they passed its server); load the same copy, with Node's own loader where it can. */
async function loadMsw(): Promise<Msw> {
  try {
    return nativeRequire()('msw') as Msw;
  } catch (error) {
    if (MISSING_MODULE.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
  try {
    return await import('msw');
  } catch (error) {
    throw explainLoadError(error);
  }
}
