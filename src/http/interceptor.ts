import { syncBuiltinESMExports } from 'node:module';
import type { TapedeckOptions } from '../config.js';
import { currentSession } from '../context.js';
import { attachToUserServer } from './msw-server.js';
import { pathToFileURL } from 'node:url';
import { explainLoadError, locateInterceptors, nativeRequire, type InterceptorsPackage, type Unavailable } from './native.js';
import { putFront } from './fetch-front.js';
import { answer, intercepted, unmark } from './route.js';
import { holdSocketInterception, setHttpUnavailable } from './seal.js';

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
  listenerCount?(event: 'request' | 'response'): number;
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

/** 0.45's one shared request source (`Interceptor.singleton`): the parts tapedeck uses. */
interface RequestSource {
  readyState: string;
  listeners(event: 'request'): unknown[];
  listenerCount?(event: 'request' | 'response'): number;
  on(event: 'request', listener: RequestListener): unknown;
  removeListener(event: 'request', listener: RequestListener): unknown;
}

/**
 * The interceptors as each generation of @mswjs/interceptors shapes them. `patches` (up to 0.41, msw
 * 2.x): one interceptor per kind patches `fetch`, `http.ClientRequest` and `XMLHttpRequest`, registered
 * as `globalThis[Symbol.for(kind)]`. `sockets` (0.45, msw 3.x): every interceptor feeds on one request
 * source, a process-wide singleton that intercepts sockets and counts its owners, so tapedeck listens to
 * that source directly, behind whatever msw put there first.
 */
type Loaded = PatchLayer | SocketLayer;

interface PatchLayer {
  generation: 'patches';
  /** node:http (ClientRequest), XMLHttpRequest and fetch, as msw/node. */
  kinds: InterceptorClass[];
  /** `RequestController.PENDING`: nobody has answered the request yet. */
  pending: number;
  /** The realm the interceptors patch (not `globalThis` inside jest's vm sandbox). */
  host: typeof globalThis;
  /** The current values of every global the interceptors patch. */
  surface: () => unknown[];
}

interface SocketLayer {
  generation: 'sockets';
  /** `HttpRequestInterceptor`: every HTTP request, whatever made it, through the shared source. */
  http: new () => { apply(): void; dispose(): void };
  pending: number;
  /** The shared source, once an interceptor has created it. */
  source: () => RequestSource | undefined;
}

/** Why HTTP cannot be taped in this process; `undefined` while it can (or before the first attempt). */
let unavailable: Unavailable | undefined;
let loaded: Loaded | undefined;
/** Kinds this environment has nothing to patch for (no XMLHttpRequest in Node). */
const inapplicable = new Set<InterceptorClass>();
interface Held {
  refs: number;
  /** Registered interceptors of others (a user's msw server that started first) tapedeck joined. */
  joined: Set<Interceptor>;
  /** jest's sandbox `fetch`, while it is pointed at the host's patched one. */
  sandboxFetch?: typeof fetch;
  /** tapedeck's own owner of the shared source (sockets generation). */
  owner?: { dispose(): void };
  /** Takes tapedeck's fetch front off again (see fetch-front.ts). */
  front?: () => void;
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
/** 0.45 keeps its singletons (the request source among them) in this global map. */
const SOURCE = Symbol.for('node-http-request-source');

const PATCH_SPECIFIERS = ['@mswjs/interceptors/ClientRequest', '@mswjs/interceptors/XMLHttpRequest', '@mswjs/interceptors/fetch'];
const SOCKET_SPECIFIERS = ['@mswjs/interceptors/http'];

/**
 * Loads the interceptors (msw's own copy when the project has msw, else tapedeck's dependency, see
 * {@link locateInterceptors}) with Node's own `require` (see {@link nativeRequire}), so the adapters can
 * start intercepting while the test file is still loading. `undefined`: not possible here (Node < 20.19
 * cannot require their ES-module dependencies), use {@link load}.
 */
function loadSync(): Loaded | Unavailable | undefined {
  if (loaded !== undefined || unavailable !== undefined) return loaded ?? unavailable;
  const found = locateInterceptors();
  if ('unavailable' in found) return (unavailable = found);
  // An ES-module-only copy goes through import() (see InterceptorsPackage.esm): no need to be early,
  // since that generation intercepts sockets, below any fetch a client captured.
  if (found.esm) return undefined;
  return loadWithRequire(found);
}

function loadWithRequire(found: InterceptorsPackage): Loaded | Unavailable | undefined {
  try {
    const main = found.require('@mswjs/interceptors') as Record<string, unknown>;
    const specifiers = generationOf(main) === 'sockets' ? SOCKET_SPECIFIERS : PATCH_SPECIFIERS;
    return settle(found, main, specifiers.map((specifier) => found.require(specifier) as Record<string, unknown>));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_REQUIRE_ESM') return undefined;
    return (unavailable = cannotLoad(found, error));
  }
}

/** Loads the interceptors once, on first need: synchronously where Node can, else through `import()`. */
function load(): Promise<Loaded | Unavailable> {
  return (loading ??= loadOnce());
}
let loading: Promise<Loaded | Unavailable> | undefined;

async function loadOnce(): Promise<Loaded | Unavailable> {
  const sync = loadSync();
  if (sync !== undefined) return sync;
  const found = locateInterceptors();
  if ('unavailable' in found) return (unavailable = found);
  const from = (specifier: string) => import(pathToFileURL(found.require.resolve(specifier)).href) as Promise<Record<string, unknown>>;
  try {
    const main = await from('@mswjs/interceptors');
    const specifiers = generationOf(main) === 'sockets' ? SOCKET_SPECIFIERS : PATCH_SPECIFIERS;
    return settle(found, main, await Promise.all(specifiers.map(from)));
  } catch (error) {
    // jest's CommonJS sandbox refuses import() (jest's own error, or Node's ERR_VM_DYNAMIC_IMPORT_*):
    // Node's own require there (require(esm), Node >= 20.19), as for the other generation.
    if (found.esm) {
      const required = loadWithRequire(found);
      if (required !== undefined) return required;
    }
    return (unavailable = cannotLoad(found, explainLoadError(error)));
  }
}

/**
 * Why HTTP cannot be taped in this process (the interceptors' package missing, needing a newer Node, or
 * of a version tapedeck does not know), with what to install or change; `undefined` when it can. The
 * first call tries to load them (where Node can synchronously; on Node < 20.19 the answer is known once
 * a cassette scope or `installHttp()` has loaded them).
 */
export function httpUnavailable(): string | undefined {
  const result = loadSync();
  return result !== undefined && 'unavailable' in result ? result.unavailable : undefined;
}

function generationOf(main: Record<string, unknown>): Loaded['generation'] {
  return typeof (main.Interceptor as { singleton?: unknown } | undefined)?.singleton === 'function' ? 'sockets' : 'patches';
}

function settle(found: InterceptorsPackage, main: Record<string, unknown>, modules: Record<string, unknown>[]): Loaded | Unavailable {
  const built = generationOf(main) === 'sockets' ? buildSockets(main, modules) : buildPatches(main, modules);
  if (built !== undefined) return (loaded = built);
  return (unavailable = {
    unavailable:
      `@mswjs/interceptors ${found.version} (installed with ${found.owner}) is not a version tapedeck knows (it knows 0.41 and 0.45).\n` +
      `  fix: ${found.owner === 'tapedeck' ? 'reinstall tapedeck' : 'use msw ^2.15 or ^3 (npm install -D msw@^3)'}, or upgrade tapedeck.`,
  });
}

function cannotLoad(found: InterceptorsPackage, error: unknown): Unavailable {
  const message = error instanceof Error ? error.message.replace(/^tapedeck: /, '') : String(error);
  return { unavailable: `cannot load @mswjs/interceptors ${found.version} (installed with ${found.owner}): ${message}` };
}

function buildPatches(main: Record<string, unknown>, [clientRequest, xhr, fetchModule]: Record<string, unknown>[]): PatchLayer | undefined {
  const kinds = [clientRequest?.ClientRequestInterceptor, xhr?.XMLHttpRequestInterceptor, fetchModule?.FetchInterceptor] as InterceptorClass[];
  const pending = (main.RequestController as { PENDING?: unknown } | undefined)?.PENDING;
  if (kinds.some((kind) => typeof kind !== 'function' || typeof kind.symbol !== 'symbol') || typeof pending !== 'number') return undefined;
  // The realm whose globals the interceptors patch is the one their code runs in: Node's own under jest
  // (loaded with Node's require, apart from the test file's sandbox), the test file's own under vitest's
  // vm pools (which load them into the sandbox). A function's constructor is its realm's Function.
  const host = realmOf(kinds[2]!);
  const require = nativeRequire();
  const http = require('node:http') as typeof import('node:http');
  const https = require('node:https') as typeof import('node:https');
  const surface = () => [host.fetch, (host as { XMLHttpRequest?: unknown }).XMLHttpRequest, http.request, http.get, http.ClientRequest, https.request, https.get];
  return { generation: 'patches', kinds, pending, host, surface };
}

function buildSockets(main: Record<string, unknown>, [httpModule]: Record<string, unknown>[]): SocketLayer | undefined {
  const http = httpModule?.HttpRequestInterceptor as SocketLayer['http'] | undefined;
  const pending = (main.RequestController as { PENDING?: unknown } | undefined)?.PENDING;
  if (typeof http !== 'function' || typeof pending !== 'number') return undefined;
  const host = realmOf(http) as unknown as { __MSW_INTERCEPTORS_REGISTRY?: Map<symbol, RequestSource> };
  return { generation: 'sockets', http, pending, source: () => host.__MSW_INTERCEPTORS_REGISTRY?.get(SOURCE) };
}

function realmOf(fn: unknown): typeof globalThis {
  return ((fn as { constructor: FunctionConstructor }).constructor('return globalThis') as () => typeof globalThis)();
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
  const result = await answer(intercepted(request), session);
  if (result === 'passthrough') return;
  if (result instanceof Response) controller.respondWith(result);
  // errorWith keeps the cause (fetch rejects with `TypeError: Failed to fetch` and it as `cause`).
  else if (controller.errorWith !== undefined) controller.errorWith(result.networkError);
  else controller.respondWith(Response.error());
}

Object.defineProperty(onRequest, LISTENER, { value: true });

/**
 * Makes HTTP inside cassette scopes go through the active cassette, for as long as the scope lasts. With
 * `mswServer`, tapedeck's handler is also appended after the user's own, in their server. When
 * interception cannot be established, `http: true` fails with the reason; otherwise the scope runs
 * without HTTP taping, warned once per process, and the seal fails any connection it makes with
 * `http-unavailable` and the reason.
 */
export async function attachHttp(options: TapedeckOptions): Promise<(() => Promise<void>) | undefined> {
  const interceptors = await load();
  if ('unavailable' in interceptors) {
    if (options.http === true) throw new Error(`tapedeck: http: true, but HTTP cannot be taped here: ${interceptors.unavailable}`);
    if (!warned) (options.onWarning ?? console.warn)(`tapedeck: warning: HTTP is not taped in this process: ${interceptors.unavailable}`);
    warned = true;
    // Never a silent live call: the seal refuses this scope's connections with http-unavailable and this reason.
    setHttpUnavailable(interceptors.unavailable);
    return undefined;
  }
  setHttpUnavailable(undefined);
  // The user's server answers first (their handlers, then tapedeck's); tapedeck's own listener, kept
  // after theirs, answers what their server cannot hear (a sandbox of its own under jest).
  if (options.mswServer !== undefined) await attachToUserServer(options.mswServer);
  return hold(interceptors);
}
let warned = false;

/**
 * Starts intercepting and keeps intercepting until the returned function is called. SDK clients
 * (openai, @anthropic-ai/sdk) take `fetch` when they are constructed, so a client built at a module's top
 * level must be built after interception starts: the adapters call this when they are imported and
 * release it when the test file ends. Where Node can load the interceptors synchronously (20.19+),
 * interception has started when this returns; otherwise it starts as soon as they have loaded. Where
 * they cannot be loaded at all, nothing starts: {@link httpUnavailable} says why.
 */
export function installHttp(): () => Promise<void> {
  const sync = loadSync();
  if (sync !== undefined) {
    setHttpUnavailable('unavailable' in sync ? sync.unavailable : undefined);
    const release = 'unavailable' in sync ? undefined : hold(sync);
    return async () => release?.();
  }
  // The ES-module-only generation (0.45) loads asynchronously, after a client built at the top of the test
  // file has taken `fetch`: the front goes up now, so that client takes it (it answers nothing until the
  // source is held; that generation intercepts sockets, beneath whatever `fetch` a client took).
  const found = locateInterceptors();
  const early = 'unavailable' in found || !found.esm || held?.front !== undefined ? undefined : putFront({ realm: globalThis, alone: aloneOnSource });
  if (early !== undefined) earlyFront = early;
  const pending = load().then((l) => ('unavailable' in l ? undefined : hold(l)));
  pending.then(
    (release) => {
      // Not held after all (interception unavailable): take the early front down again.
      if (release === undefined && earlyFront === early) {
        early?.();
        earlyFront = undefined;
      }
    },
    () => undefined,
  );
  return async () => (await pending)?.();
}
/** The front {@link installHttp} put up before the request source was held; `holdSource` adopts it. */
let earlyFront: (() => void) | undefined;
/** The request source tapedeck holds (sockets generation), while it does. */
let heldSource: RequestSource | undefined;
/** How many of the source's request listeners tapedeck's own interceptor added (its forwarder). */
let ownerListeners = 0;

/** The front's check on the sockets generation: the source's request listeners are tapedeck's alone. */
const aloneOnSource = (): boolean => heldSource !== undefined && onlyTapedeck(heldSource, ownerListeners + 1);

function sourceListeners(layer: SocketLayer): number {
  const source = layer.source();
  return source === undefined ? 0 : listenerCount(source);
}

function hold(interceptors: Loaded): () => Promise<void> {
  return interceptors.generation === 'sockets' ? holdSource(interceptors) : holdPatches(interceptors);
}

/**
 * The sockets generation (0.45): tapedeck owns the shared request source through an interceptor of its
 * own (the source counts its owners, so a user's msw server closing never undoes tapedeck's, nor the
 * other way round) and listens to the source itself, last, behind msw's listeners.
 */
function holdSource(layer: SocketLayer): () => Promise<void> {
  const state: Held = (held ??= { refs: 0, joined: new Set() });
  if (state.refs++ === 0) {
    // Every interceptor on the source listens to it through a forwarder; tapedeck's own adds one (or
    // more, in another version): counted, so the front knows which listeners are tapedeck's.
    const before = sourceListeners(layer);
    const owner = new layer.http();
    owner.apply();
    state.owner = owner;
    ownerListeners = sourceListeners(layer) - before;
    holdSocketInterception(1);
  }
  const source = layer.source();
  if (source === undefined || source.readyState !== 'ACTIVE') {
    state.refs--;
    throw new Error('tapedeck: @mswjs/interceptors applied, but its request source is not active: this version is not one tapedeck knows; upgrade tapedeck');
  }
  // Every scope re-checks: a user's msw server may have started (or restarted) since the last one.
  keepLast(source);
  heldSource = source;
  if (state.front === undefined) {
    state.front = earlyFront ?? putFront({ realm: globalThis, alone: aloneOnSource });
    earlyFront = undefined;
  }
  return releaseOnce(state, () => {
    heldSource = undefined;
    source.removeListener('request', onRequest);
    state.owner?.dispose();
    state.owner = undefined;
    holdSocketInterception(-1);
  });
}

function holdPatches(interceptors: PatchLayer): () => Promise<void> {
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
    // In front of tapedeck's own fetch interceptor only: one a user's msw server registered first keeps
    // every request, so their handlers see it first.
    const fetchKind = interceptors.kinds[2]!;
    const mine = pool(interceptors).interceptors.get(fetchKind.symbol);
    if (mine !== undefined && (interceptors.host as unknown as Registry)[fetchKind.symbol] === mine) {
      state.front = putFront({ realm: globalThis, alone: () => mine.readyState === 'APPLIED' && onlyTapedeck(mine.emitter) });
    }
  }
  return releaseOnce(state, () => {
    unlisten(interceptors, state.joined);
    if (state.sandboxFetch !== undefined) globalThis.fetch = state.sandboxFetch;
    state.sandboxFetch = undefined;
    syncBuiltinESMExports();
  });
}

/**
 * The release of one hold (calling it again does nothing): the last one takes tapedeck's fetch front down
 * first (in the patches generation it is one of the patches then checked for changes, on this realm's
 * fetch), then `undo` undoes the rest.
 */
function releaseOnce(state: Held, undo: () => void): () => Promise<void> {
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--state.refs > 0) return;
    state.front?.();
    state.front = undefined;
    undo();
  };
}

type Registry = Record<symbol, Interceptor | undefined>;

function pool(interceptors: PatchLayer): Pool {
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

/**
 * Whether only tapedeck would hear a request (no user's msw handlers, nobody watching responses): the
 * request listeners are exactly tapedeck's `expected` ones. While tapedeck holds interception its listener
 * is always there: on an interceptor (patches) that is the only one; on the shared source (sockets) its own
 * interceptor's forwarder is there too (see {@link holdSource}).
 */
function onlyTapedeck(emitter: Emitter | RequestSource, expected = 1): boolean {
  if ((emitter.listenerCount?.('response') ?? 0) > 0) return false;
  return listenerCount(emitter) === expected;
}

function listenerCount(emitter: Emitter | RequestSource): number {
  return emitter.listenerCount?.('request') ?? emitter.listeners('request').length;
}

/** Moves tapedeck's listener after every other listener of an interceptor (patches) or the source (sockets). */
function keepLast(target: Interceptor | RequestSource): void {
  const emitter = 'emitter' in target ? target.emitter : target;
  if (emitter.listeners('request').at(-1) === onRequest) return;
  emitter.removeListener('request', onRequest);
  if ('addListener' in emitter) emitter.addListener('request', onRequest);
  else emitter.on('request', onRequest);
}

/** Puts tapedeck's listener, last, on the interceptor of every kind, applying tapedeck's own if none is. */
function listen(interceptors: PatchLayer, joined: Set<Interceptor>): void {
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
function unlisten(interceptors: PatchLayer, joined: Set<Interceptor>): void {
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
