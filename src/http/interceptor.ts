import { syncBuiltinESMExports } from 'node:module';
import type { HostMatcher, MswServerLike, TapedeckOptions } from '../config.js';
import { currentSession } from '../context.js';
import { addUsage, responseUsage } from '../usage.js';
import { requestToCall, responseToStored, storedToResponse, verifyView, type StoredResponse } from './exchange.js';

type Msw = typeof import('msw');
type MswNode = typeof import('msw/node');
type Server = ReturnType<MswNode['setupServer']>;

interface Loaded {
  msw: Msw;
  node: MswNode;
  handler: ReturnType<Msw['http']['all']>;
}

let loading: Promise<Loaded | null> | undefined;
let own: { server: Server; refs: number } | undefined;

/**
 * msw is loaded once, on the first cassette that needs HTTP, so a test file that never opens a
 * cassette does not pay for importing it. `null` when msw is not installed (it is an optional peer).
 */
function loadMsw(): Promise<Loaded | null> {
  loading ??= (async () => {
    let msw: Msw;
    let node: MswNode;
    try {
      [msw, node] = await Promise.all([import('msw'), import('msw/node')]);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return null;
      throw error;
    }
    // One catch-all handler for every request: msw tries handlers in order (~35-40 µs each), so a
    // handler per recorded entry would make each request cost milliseconds.
    const handler = msw.http.all('*', async ({ request }) => {
      const session = currentSession();
      if (session === undefined) return undefined; // outside any cassette: untouched
      if (matchesHost(new URL(request.url), session.options.passthrough)) return msw.passthrough();
      const options = session.options;
      const key = await requestToCall(request, options);
      try {
        const stored = await session.call<StoredResponse>({
          toolId: key.toolId,
          args: key.args,
          // Each redirect hop is its own exchange, so the client follows them on replay as it did live.
          live: async () => responseToStored(await fetch(msw.bypass(request, { redirect: 'manual' })), options),
          compareView: verifyView,
          // An LLM answer replayed is tokens not spent: counted per model for the run summary.
          onReplay: (replayed, stats) => {
            const usage = responseUsage(replayed as StoredResponse);
            if (usage !== undefined) addUsage((stats.tokens ??= {}), usage);
          },
        });
        return storedToResponse(stored, options);
      } catch {
        // A recorded network error, or a miss the session has already noted (it fails the test at the
        // end with the full explanation): either way the client sees a network error, never an HTTP 500.
        return Response.error();
      }
    });
    return { msw, node, handler };
  })();
  return loading;
}

function matchesHost(url: URL, hosts: readonly HostMatcher[] | undefined): boolean {
  if (hosts === undefined || hosts.length === 0) return false;
  return hosts.some((h) => (typeof h === 'string' ? h === url.hostname || h === url.host : h.test(url.host)));
}

/**
 * Makes HTTP inside cassette scopes go through the active cassette. With `mswServer`, tapedeck's handler
 * is appended after the user's own; otherwise tapedeck runs one msw server per process, listening while
 * at least one cassette is open or {@link installHttp} holds it, and closed (every patch undone) after.
 */
export async function attachHttp(options: TapedeckOptions): Promise<(() => Promise<void>) | undefined> {
  const loaded = await loadMsw();
  if (loaded === null) {
    if (options.http === true) throw new Error('tapedeck: http: true needs msw (a peer dependency): npm install -D msw');
    return undefined;
  }
  if (options.mswServer !== undefined) {
    attachToUserServer(options.mswServer, loaded.handler);
    return undefined;
  }
  return hold(loaded);
}

/**
 * Starts intercepting now and keeps intercepting until the returned function is called. SDK clients
 * (openai, @anthropic-ai/sdk) take `fetch` when they are constructed, so a client built at a module's top
 * level must be built after interception starts: the adapters call this when they are imported and
 * release it when the test file ends. Resolves to `undefined` when msw is not installed.
 */
export async function installHttp(): Promise<(() => Promise<void>) | undefined> {
  const loaded = await loadMsw();
  return loaded === null ? undefined : hold(loaded);
}

function hold(loaded: Loaded): () => Promise<void> {
  if (own === undefined) own = { server: loaded.node.setupServer(loaded.handler), refs: 0 };
  const state = own;
  if (state.refs++ === 0) {
    state.server.listen({ onUnhandledRequest: 'bypass' });
    // msw patches the `http`/`https` module objects; ESM named imports of builtins
    // (`import { request } from 'node:http'`) only see the patch once their bindings are re-synced.
    syncBuiltinESMExports();
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--state.refs === 0) {
      state.server.close();
      syncBuiltinESMExports();
    }
  };
}

function attachToUserServer(server: MswServerLike, handler: unknown): void {
  const current = server.listHandlers();
  if (current.includes(handler)) return;
  // `use()` would put ours first; the user's handlers must win, so re-seed the list with ours last.
  server.resetHandlers(...current, handler);
}
