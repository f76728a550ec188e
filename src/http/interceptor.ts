import { Module, createRequire, syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
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
  /** The global msw patches, when it is not ours (jest runs test files in a vm sandbox). */
  host?: typeof globalThis;
}

let loaded: Loaded | null | undefined;
let own: { server: Server; refs: number; sandboxFetch?: typeof fetch } | undefined;

const MISSING = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

/**
 * Loads msw with Node's own `require`, synchronously, so the adapters can start intercepting while
 * the test file is still loading. It also sidesteps jest's CommonJS module registry, which cannot
 * load msw's ESM-only dependencies (rettime, until-async, ...); Node can, from 20.19 on. jest's
 * `fetch` and `node:http` read through to the real ones, which msw patches. `undefined`: not possible
 * here (older Node), use {@link loadMsw}; `null`: msw is not installed (it is an optional peer).
 */
function loadMswSync(): Loaded | null | undefined {
  if (loaded !== undefined) return loaded;
  // jest swaps `module.createRequire` for one bound to its registry; its `Module` class extends Node's
  // real one, whose static createRequire is Node's own.
  const parent = Object.getPrototypeOf(Module) as { createRequire?: typeof createRequire } | null;
  const nativeRequire = (typeof parent?.createRequire === 'function' ? parent.createRequire : createRequire)(join(process.cwd(), 'package.json'));
  try {
    loaded = build(nativeRequire('msw') as Msw, nativeRequire('msw/node') as MswNode);
    const host = (nativeRequire('node:vm') as typeof import('node:vm')).runInThisContext('globalThis') as typeof globalThis;
    if (host !== globalThis) loaded.host = host;
  } catch (error) {
    if (MISSING.has((error as NodeJS.ErrnoException).code ?? '')) return (loaded = null);
    return undefined;
  }
  return loaded;
}

/** Loads msw once, on first need: synchronously where Node can, else through `import()`. */
async function loadMsw(): Promise<Loaded | null> {
  const sync = loadMswSync();
  if (sync !== undefined) return sync;
  let msw: Msw;
  let node: MswNode;
  try {
    [msw, node] = await Promise.all([import('msw'), import('msw/node')]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (MISSING.has(code)) return (loaded = null);
    if (code === 'ERR_REQUIRE_ESM') {
      throw new Error(
        `tapedeck: cannot load msw here: ${(error as Error).message.split('\n')[0]}\n` +
          `  This Node (${process.version}) cannot require msw's ES-module dependencies, and jest's CommonJS runtime cannot either.\n` +
          `  fix: use Node >= 20.19, or let jest transform them:\n` +
          `    transform: { '^.+\\.(ts|js|mjs)$': '@swc/jest' },\n` +
          `    transformIgnorePatterns: ['/node_modules/(?!(rettime|until-async|@open-draft/deferred-promise)/)'],\n` +
          `  or, for suites that only use tool(), configure({ http: false }).`,
        { cause: error },
      );
    }
    throw error;
  }
  loaded ??= build(msw, node);
  return loaded;
}

function build(msw: Msw, node: MswNode): Loaded {
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
        // storedToResponse only reads the recording to build a new Response: no copy needed.
        readOnly: true,
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
 * Starts intercepting and keeps intercepting until the returned function is called. SDK clients
 * (openai, @anthropic-ai/sdk) take `fetch` when they are constructed, so a client built at a module's top
 * level must be built after interception starts: the adapters call this when they are imported and
 * release it when the test file ends. Where Node can load msw synchronously (20.19+), interception has
 * started when this returns; otherwise it starts as soon as msw has loaded.
 */
export function installHttp(): () => Promise<void> {
  const sync = loadMswSync();
  if (sync !== undefined) {
    const release = sync === null ? undefined : hold(sync);
    return async () => release?.();
  }
  const pending = loadMsw().then((l) => (l === null ? undefined : hold(l)));
  return async () => (await pending)?.();
}

function hold(loaded: Loaded): () => Promise<void> {
  if (own === undefined) own = { server: loaded.node.setupServer(loaded.handler), refs: 0 };
  const state = own;
  if (state.refs++ === 0) {
    state.server.listen({ onUnhandledRequest: 'bypass' });
    // In a sandbox (jest) msw patched the host's fetch, and the sandbox holds its own reference to the
    // original: point it at the patched one while intercepting.
    if (loaded.host !== undefined && globalThis.fetch !== loaded.host.fetch) {
      state.sandboxFetch = globalThis.fetch;
      globalThis.fetch = loaded.host.fetch;
    }
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
      if (state.sandboxFetch !== undefined) globalThis.fetch = state.sandboxFetch;
      state.sandboxFetch = undefined;
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
