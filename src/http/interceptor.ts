import { syncBuiltinESMExports } from 'node:module';
import type { TapedeckOptions } from '../config.js';
import { currentSession } from '../context.js';
import { attachToUserServer } from './msw-server.js';
import { MISSING_MODULE, explainLoadError, nativeRequire } from './native.js';
import { answer, unmark } from './route.js';
import { setHttpUnavailable } from './seal.js';

// tapedeck intercepts through @mswjs/interceptors, the layer msw itself is built on, with one `request`
// listener: the same patches of node:http, XMLHttpRequest and fetch as msw/node, without msw's handler
// pipeline (a bare interceptor listener costs about 0.35x of msw's cheapest handler per request) or its
// import (~200 ms per test file).
//
// A user's own msw server keeps working beside it. Interceptors of one kind register process-wide
// (`globalThis[Symbol.for(...)]`), and one applied while another is registered joins it instead of
// patching again: whichever of tapedeck and msw starts first patches, the other adds its listener, and
// every listener is called in turn. tapedeck keeps its listener last (every scope re-checks) and only
// answers what nobody before it has. Interceptors stacked on top of each other do not work for
// node:http (only the innermost one's listeners hear a request), so tapedeck never stacks its own, and
// keeps its own registered for as long as it is applied (see anchor).

/** The parts of @mswjs/interceptors tapedeck uses (structural, so any 0.x release that has them works). */
interface RequestEvent {
  request: Request;
  controller: { readyState: number; respondWith(response: Response): void; errorWith?(reason: Error): void };
}
type RequestListener = (event: RequestEvent) => Promise<void>;
interface Emitter {
  listeners(event: 'request'): unknown[];
  addListener(event: 'request', listener: RequestListener): unknown;
  removeListener(event: 'request', listener: RequestListener): unknown;
}
interface Interceptor {
  readyState: string;
  apply(): void;
  dispose(): void;
  on(event: 'request', listener: RequestListener): unknown;
  /** Protected in the typings, public at run time: the listeners of the running instance. */
  emitter: Emitter;
}
interface InterceptorClass {
  new (): Interceptor;
  /** `Symbol.for(...)`: the running instance of this kind is `globalThis[symbol]`. */
  symbol: symbol;
}

interface Loaded {
  /** node:http (ClientRequest), XMLHttpRequest and fetch, as msw/node. */
  kinds: InterceptorClass[];
  /** `RequestController.PENDING`: nobody has answered the request yet. */
  pending: number;
  /** The realm the interceptors patch (not `globalThis` inside jest's vm sandbox). */
  host: typeof globalThis;
  /** The current values of every global the interceptors patch. */
  surface: () => unknown[];
}

/** Why HTTP cannot be taped when the interceptors cannot be loaded, and what to install. */
const UNAVAILABLE = 'msw (whose @mswjs/interceptors tapedeck intercepts HTTP with) is not installed: npm install -D msw';

const SPECIFIERS = ['@mswjs/interceptors', '@mswjs/interceptors/ClientRequest', '@mswjs/interceptors/XMLHttpRequest', '@mswjs/interceptors/fetch'];

let loaded: Loaded | null | undefined;
/** Kinds this environment has nothing to patch for (no XMLHttpRequest in Node). */
const inapplicable = new Set<InterceptorClass>();
interface Held {
  refs: number;
  /** Registered interceptors of others (a user's msw server that started first) tapedeck joined. */
  joined: Set<Interceptor>;
  /** jest's sandbox `fetch`, while it is pointed at the host's patched one. */
  sandboxFetch?: typeof fetch;
}
let held: Held | undefined;

/**
 * The interceptors tapedeck applied, one per kind, shared by every copy of tapedeck in the process
 * (jest loads one per test file), so they live on the host realm. `surface` is what the patched globals
 * were right after tapedeck patched: if they differ now, something patched on top since.
 */
interface Pool {
  interceptors: Map<symbol, Interceptor>;
  surface: unknown[];
  /**
   * A user's msw server joined them. msw's interceptors are module singletons, and one that joined
   * another keeps adding its listeners to that one even after it re-applies: tapedeck's must then stay
   * applied for the life of the process (every later scope reuses them).
   */
  joinedByOthers: boolean;
}
const POOL = Symbol.for('tapedeck.interceptors');
/** Marks the listener of every copy of tapedeck, to tell them from a user's. */
const LISTENER = Symbol.for('tapedeck.listener');

/**
 * Loads the interceptors msw depends on, with Node's own `require` (see {@link nativeRequire}), so the
 * adapters can start intercepting while the test file is still loading. `undefined`: not possible here
 * (Node < 20.19 cannot require their ES-module dependencies), use {@link load}; `null`: msw is not
 * installed (it is an optional peer).
 */
function loadSync(): Loaded | null | undefined {
  if (loaded !== undefined) return loaded;
  const require = nativeRequire();
  let msw: string;
  try {
    msw = require.resolve('msw');
  } catch {
    return (loaded = null);
  }
  try {
    // msw's own copy, whatever the package manager's layout.
    const fromMsw = nativeRequire(msw);
    loaded = build(SPECIFIERS.map((specifier) => fromMsw(specifier) as Record<string, unknown>));
  } catch {
    return undefined;
  }
  return loaded;
}

/** Loads the interceptors once, on first need: synchronously where Node can, else through `import()`. */
async function load(): Promise<Loaded | null> {
  const sync = loadSync();
  if (sync !== undefined) return sync;
  let modules: Record<string, unknown>[];
  try {
    modules = await Promise.all([
      import('@mswjs/interceptors'),
      import('@mswjs/interceptors/ClientRequest'),
      import('@mswjs/interceptors/XMLHttpRequest'),
      import('@mswjs/interceptors/fetch'),
    ]);
  } catch (error) {
    if (MISSING_MODULE.has((error as NodeJS.ErrnoException).code ?? '')) return (loaded = null);
    throw explainLoadError(error);
  }
  return (loaded ??= build(modules));
}

function build([main, clientRequest, xhr, fetchModule]: Record<string, unknown>[]): Loaded {
  const kinds = [clientRequest?.ClientRequestInterceptor, xhr?.XMLHttpRequestInterceptor, fetchModule?.FetchInterceptor] as InterceptorClass[];
  const pending = (main?.RequestController as { PENDING?: unknown } | undefined)?.PENDING;
  if (kinds.some((kind) => typeof kind !== 'function' || typeof kind.symbol !== 'symbol') || typeof pending !== 'number') {
    throw new Error('tapedeck: this version of @mswjs/interceptors (installed with msw) is not one tapedeck knows: upgrade msw and tapedeck');
  }
  // The realm whose globals the interceptors patch is the one their code runs in: Node's own under jest
  // (loaded with Node's require, apart from the test file's sandbox), the test file's own under vitest's
  // vm pools (which load them into the sandbox). A function's constructor is its realm's Function.
  const host = (kinds[2]!.constructor as FunctionConstructor)('return globalThis')() as typeof globalThis;
  const require = nativeRequire();
  const http = require('node:http') as typeof import('node:http');
  const https = require('node:https') as typeof import('node:https');
  const surface = () => [host.fetch, (host as { XMLHttpRequest?: unknown }).XMLHttpRequest, http.request, http.get, http.ClientRequest, https.request, https.get];
  return { kinds, pending, host, surface };
}

/** The one listener: answers a request made inside a cassette scope that nobody answered before it. */
async function onRequest({ request, controller }: RequestEvent): Promise<void> {
  // Answered already: by a user's msw handler, or by another copy of tapedeck in this process.
  if (controller.readyState !== loaded?.pending) return;
  const session = currentSession();
  // Outside any cassette, including the live request of a recording: it goes to the network untouched.
  if (session === undefined) return unmark(request);
  // With `mswServer`, tapedeck's handler in the user's server has answered already, unless their server
  // is not in front of this listener (jest loads it in the test file's sandbox, apart from this one).
  const result = await answer(request, session);
  if (result === 'passthrough') return;
  if (result instanceof Response) controller.respondWith(result);
  // errorWith keeps the cause (fetch rejects with `TypeError: Failed to fetch` and it as `cause`).
  else if (controller.errorWith !== undefined) controller.errorWith(result.networkError);
  else controller.respondWith(Response.error());
}

Object.defineProperty(onRequest, LISTENER, { value: true });

/**
 * Makes HTTP inside cassette scopes go through the active cassette, for as long as the scope lasts. With
 * `mswServer`, tapedeck's handler is also appended after the user's own, in their server.
 */
export async function attachHttp(options: TapedeckOptions): Promise<(() => Promise<void>) | undefined> {
  const interceptors = await load();
  if (interceptors === null) {
    if (options.http === true) throw new Error('tapedeck: http: true needs msw (a peer dependency): npm install -D msw');
    // Not silently: the seal refuses this scope's connections with http-unavailable, saying why.
    setHttpUnavailable(UNAVAILABLE);
    return undefined;
  }
  setHttpUnavailable(undefined);
  // The user's server answers first (their handlers, then tapedeck's); tapedeck's own listener, kept
  // after theirs, answers what their server cannot hear (a sandbox of its own under jest).
  if (options.mswServer !== undefined) await attachToUserServer(options.mswServer);
  return hold(interceptors);
}

/**
 * Starts intercepting and keeps intercepting until the returned function is called. SDK clients
 * (openai, @anthropic-ai/sdk) take `fetch` when they are constructed, so a client built at a module's top
 * level must be built after interception starts: the adapters call this when they are imported and
 * release it when the test file ends. Where Node can load the interceptors synchronously (20.19+),
 * interception has started when this returns; otherwise it starts as soon as they have loaded.
 */
export function installHttp(): () => Promise<void> {
  const sync = loadSync();
  if (sync !== undefined) {
    setHttpUnavailable(sync === null ? UNAVAILABLE : undefined);
    const release = sync === null ? undefined : hold(sync);
    return async () => release?.();
  }
  const pending = load().then((l) => (l === null ? undefined : hold(l)));
  return async () => (await pending)?.();
}

function hold(interceptors: Loaded): () => Promise<void> {
  const state: Held = (held ??= { refs: 0, joined: new Set() });
  // Every scope re-checks: a user's msw server may have started (or restarted) since the last one.
  listen(interceptors, state.joined);
  if (state.refs++ === 0) {
    // In a sandbox (jest) the host's fetch is patched, and the sandbox holds its own reference to the
    // original: point it at the patched one while intercepting.
    const host = interceptors.host;
    if (host !== globalThis && globalThis.fetch !== host.fetch) {
      state.sandboxFetch = globalThis.fetch;
      globalThis.fetch = host.fetch;
    }
    // The patches replace functions on the `http`/`https` module objects; ESM named imports of builtins
    // (`import { request } from 'node:http'`) only see them once their bindings are re-synced.
    syncBuiltinESMExports();
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--state.refs > 0) return;
    unlisten(interceptors, state.joined);
    if (state.sandboxFetch !== undefined) globalThis.fetch = state.sandboxFetch;
    state.sandboxFetch = undefined;
    syncBuiltinESMExports();
  };
}

type Registry = Record<symbol, Interceptor | undefined>;

function pool(interceptors: Loaded): Pool {
  const host = interceptors.host as unknown as { [POOL]?: Pool };
  return (host[POOL] ??= { interceptors: new Map(), surface: [], joinedByOthers: false });
}

/**
 * Keeps tapedeck's interceptor registered while it is applied. A user's msw server that joined it
 * unregisters it when it closes (disposing a joined interceptor deletes the registration), though its
 * patches stay; the next server to listen would then patch on top of them, and stacked interceptors
 * break node:http (only the innermost one hears a request; string URLs throw). So the registration falls
 * back to tapedeck's interceptor, through an accessor on the global object's own prototype, which the
 * `delete` does not touch; assigning through it registers normally.
 */
function anchor(host: typeof globalThis, symbol: symbol, interceptor: Interceptor): void {
  Object.defineProperty(Object.getPrototypeOf(host), symbol, {
    configurable: true,
    get: () => (interceptor.readyState === 'APPLIED' ? interceptor : undefined),
    set(this: object, value: unknown) {
      Object.defineProperty(this, symbol, { value, writable: true, configurable: true, enumerable: true });
    },
  });
}

function keepLast(interceptor: Interceptor): void {
  const { emitter } = interceptor;
  if (emitter.listeners('request').at(-1) === onRequest) return;
  emitter.removeListener('request', onRequest);
  emitter.addListener('request', onRequest);
}

/** Puts tapedeck's listener, last, on the interceptor of every kind, applying tapedeck's own if none is. */
function listen(interceptors: Loaded, joined: Set<Interceptor>): void {
  const registry = interceptors.host as unknown as Registry;
  const own = pool(interceptors);
  let patched = false;
  for (const kind of interceptors.kinds) {
    if (inapplicable.has(kind)) continue;
    const mine = own.interceptors.get(kind.symbol);
    const registered = registry[kind.symbol];
    if (mine?.readyState === 'APPLIED') {
      keepLast(mine);
      own.joinedByOthers ||= mine.emitter.listeners('request').some((listener) => !(listener as { [LISTENER]?: true })[LISTENER]);
    } else if (registered !== undefined) {
      // A user's msw server patched first: join it.
      keepLast(registered);
      joined.add(registered);
    } else {
      const interceptor = new kind();
      interceptor.apply();
      if (interceptor.readyState !== 'APPLIED') {
        inapplicable.add(kind); // nothing of this kind to patch here (XMLHttpRequest in Node)
        continue;
      }
      interceptor.on('request', onRequest);
      own.interceptors.set(kind.symbol, interceptor);
      anchor(interceptors.host, kind.symbol, interceptor);
      patched = true;
    }
  }
  if (patched) own.surface = interceptors.surface();
}

/**
 * Takes tapedeck's listener off every interceptor, and undoes tapedeck's patches once nobody listens to
 * them. Patches a user's msw server still listens to, or that something has patched on top of since,
 * stay for now (undoing them would undo that too); the next scope or release picks them up again.
 */
function unlisten(interceptors: Loaded, joined: Set<Interceptor>): void {
  for (const registered of joined) registered.emitter.removeListener('request', onRequest);
  joined.clear();
  const registry = interceptors.host as unknown as Registry;
  const own = pool(interceptors);
  const unchanged = interceptors.surface().every((value, i) => value === own.surface[i]);
  for (const [symbol, mine] of own.interceptors) {
    mine.emitter.removeListener('request', onRequest);
    if (!unchanged || own.joinedByOthers || mine.emitter.listeners('request').length > 0) continue;
    // dispose() only undoes the patches of the registered interceptor of its kind.
    const registered = registry[symbol];
    registry[symbol] = mine;
    mine.dispose();
    if (registered !== undefined && registered !== mine) registry[symbol] = registered;
    delete (Object.getPrototypeOf(interceptors.host) as Registry)[symbol];
    own.interceptors.delete(symbol);
  }
}
