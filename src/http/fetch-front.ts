import { currentSession } from '../context.js';
import { answer, answerNow, markBypass, type Answer, type Intercepted } from './route.js';

// tapedeck answers a plain `fetch(url, { method, headers, body: string })` in a cassette scope itself,
// in front of the interceptors, from fetch's own arguments: no `Request` is built, no body stream read,
// no interceptor machinery run. The interceptors' path costs about 2x a hand-written mock per call on its
// own (a `Request`, its body stream, a `RequestController`, a second `Response`), more than the
// targets tapedeck holds itself to (issue 17); this path costs what tapedeck's own work costs.
//
// It is the same answer by the same code (route.ts `answer`, exchange.ts `requestToCall`), so a call is
// keyed exactly as the interceptors' path keys it (test/http/fetch-front.test.ts holds the two together).
// Anything it does not read exactly as `new Request()` would (a `Request` object, a stream or form body, a
// method or URL `Request` would refuse, an aborted signal), and any time someone else also listens (a
// user's msw server), goes down to the interceptors as before.

/** The `fetch` this front was put in front of, and whether nobody but tapedeck listens under it. */
export interface FrontTarget {
  realm: typeof globalThis;
  /** Only tapedeck would answer a request under this front (no user's msw listener, no response listener). */
  alone: () => boolean;
}

type Fetch = typeof fetch;

let answered = 0;
let enabled = true;

/** Turns the front off (every request takes the interceptors' path). Only `npm run bench` does, to compare. */
export function setFrontEnabled(on: boolean): void {
  enabled = on;
}

/** How many requests the front has answered in this process (tests and the bench check it was used). */
export function frontAnswers(): number {
  return answered;
}

/**
 * Puts tapedeck's front on `realm.fetch` (whatever it is now: the interceptors' patched fetch, or the
 * platform's under msw 3, which intercepts sockets). Returns the function that takes it off again, if
 * nothing was put in front of it since. Clients built meanwhile keep the front: after it is taken off it
 * hands every request to what it was put in front of.
 */
export function putFront(target: FrontTarget): () => void {
  const { realm, alone } = target;
  const under: Fetch = realm.fetch;
  let on = true;
  const front = function fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    if (on && enabled) {
      const session = currentSession();
      // `passthrough` mode makes every call live: nothing to answer here.
      if (session !== undefined && session.mode !== 'passthrough' && session.options.mswServer === undefined && alone()) {
        const request = readFetchArgs(input, init, under);
        if (request !== undefined) {
          answered++;
          return respond(request, init, session, under);
        }
      }
    }
    return under(input, init);
  };
  realm.fetch = front as Fetch;
  return () => {
    on = false;
    if (realm.fetch === front) realm.fetch = under;
  };
}

type Session = NonNullable<ReturnType<typeof currentSession>>;

/** fetch's arguments read as a request (see {@link readFetchArgs}). */
export interface FrontRequest extends Intercepted {
  input: string | URL;
  body: string | null;
  headers: Headers;
}

const METHODS = /^(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$/i;
const REDIRECT_MODES = new Set(['follow', 'manual', 'error']);
/** The `RequestInit` members a plain request carries; anything else may change what `new Request()` does. */
const PLAIN_INIT = new Set(['method', 'headers', 'body', 'signal', 'redirect', 'duplex', 'dispatcher']);
/** What `new Request()` gives a string body without a content type of its own. */
const TEXT_TYPE = 'text/plain;charset=UTF-8';

/**
 * fetch's arguments as the `Request` they would make, when tapedeck can read them exactly so; else
 * `undefined` (the interceptors' path handles it, and throws what `new Request()` throws).
 */
export function readFetchArgs(input: string | URL | Request, init: RequestInit | undefined, under: Fetch = fetch): FrontRequest | undefined {
  if (typeof input !== 'string' && !(input instanceof URL)) return undefined;
  const method = init?.method ?? 'GET';
  const body = init?.body ?? null;
  if (typeof method !== 'string' || !METHODS.test(method)) return undefined;
  if (body !== null && (typeof body !== 'string' || /^(?:GET|HEAD)$/i.test(method))) return undefined;
  if (init !== undefined) {
    for (const key in init) if (!PLAIN_INIT.has(key) && (init as Record<string, unknown>)[key] !== undefined) return undefined;
    if (init.signal?.aborted === true) return undefined;
    if (init.redirect !== undefined && !REDIRECT_MODES.has(init.redirect)) return undefined;
  }
  let url: URL;
  let headers: Headers;
  try {
    url = new URL(input);
    headers = init?.headers instanceof Headers ? init.headers : new Headers(init?.headers);
  } catch {
    return undefined;
  }
  // `new Request()` refuses credentials in the URL; other schemes are not HTTP.
  if (url.username !== '' || url.password !== '' || (url.protocol !== 'http:' && url.protocol !== 'https:')) return undefined;
  const contentType = headers.get('content-type') ?? (typeof body === 'string' ? TEXT_TYPE : null);
  return {
    input,
    body,
    headers,
    method,
    url: url.href,
    header: (name) => (name.toLowerCase() === 'content-type' ? contentType : headers.get(name)),
    // The text as `new Request()` would encode it: UTF-8, a lone surrogate as U+FFFD.
    bytes: () => (body === null ? null : wellFormed(body)),
    send: () => under(markBypass(new Request(input, { ...init, redirect: 'manual' }))),
  };
}

/** `text` with every lone surrogate replaced by U+FFFD (what its UTF-8 encoding decodes back to). */
function wellFormed(text: string): string {
  const s = text as string & { isWellFormed?: () => boolean; toWellFormed?: () => string };
  // String#isWellFormed is Node 20+; the fallback round-trips through the bytes.
  if (s.isWellFormed !== undefined) return s.isWellFormed() ? text : s.toWellFormed!();
  return Buffer.from(text).toString('utf8');
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

// The platform's own classes: while the interceptors run, the globals are proxies that record raw
// headers on every construction (for node:http), which a fetch client never reads. A proxy's
// `prototype.constructor` is the class it wraps.
// Looked up on first use: touching `Response` loads the platform's fetch (~15 ms), which a file that
// never fetches should not pay for at import.
let nativeResponse: typeof Response | undefined;

function respond(request: FrontRequest, init: RequestInit | undefined, session: Session, under: Fetch): Promise<Response> {
  const As = (nativeResponse ??= Response.prototype.constructor as typeof Response);
  // A replay is looked up at once (one promise, not one per step: each costs a cold test, and on Node
  // 20/22 every promise also pays the async-context hooks); recording and verify take the async path. It
  // settles a turn later, as an answer from the network would: a signal aborted right after fetch() returns
  // still rejects it.
  try {
    const now = answerNow(request, session, As);
    if (now !== undefined) return Promise.resolve(now).then((result) => settle(result, request, init, under));
  } catch (error) {
    return Promise.reject(error);
  }
  return answer(request, session, As).then((result) => settle(result, request, init, under));
}

/** What the interceptors do with an answer, in the same order: network error, abort, then redirects. */
function settle(result: Answer, request: FrontRequest, init: RequestInit | undefined, under: Fetch): Response | Promise<Response> {
  if (result === 'passthrough') return under(request.input, init);
  if (!(result instanceof Response)) throw result.networkError;
  const signal = init?.signal;
  if (signal?.aborted === true) throw signal.reason;
  setUrl(result, request.url);
  if (REDIRECT_STATUSES.has(result.status)) {
    const mode = init?.redirect ?? 'follow';
    if (mode === 'error') throw networkError('unexpected redirect');
    if (mode === 'follow') return follow(request, result);
  }
  return result;
}

/** The request headers a redirect to GET drops (the interceptors' list, after undici's). */
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type', 'content-length'];

/**
 * Follows a replayed redirect exactly as the interceptors follow an answered one (their
 * `followFetchRedirect`, after undici's), so a call takes the same hops either way: the next hop is a new
 * request through `fetch`, taped as its own exchange. Like theirs, it never resends a body (except after
 * a 303, which drops it) and passes no method on, so the next hop is always a GET.
 */
async function follow(request: FrontRequest, response: Response): Promise<Response> {
  if (response.status !== 303 && request.body !== null) throw networkError();
  let location: URL;
  try {
    location = new URL(response.headers.get('location') ?? '', request.url);
  } catch (error) {
    throw networkError(error);
  }
  if (location.protocol !== 'http:' && location.protocol !== 'https:') throw networkError('URL scheme must be a HTTP(S) scheme');
  const from = new URL(request.url);
  const sameOrigin = (from.origin === 'null' && location.origin === 'null') || (from.protocol === location.protocol && from.hostname === location.hostname && from.port === location.port);
  if ((location.username !== '' || location.password !== '') && !sameOrigin) throw networkError('cross origin not allowed for request mode "cors"');
  const headers = new Headers(request.headers);
  const method = request.method.toUpperCase();
  if (((response.status === 301 || response.status === 302) && method === 'POST') || (response.status === 303 && method !== 'GET' && method !== 'HEAD')) {
    for (const name of BODY_HEADERS) headers.delete(name);
  }
  if (!sameOrigin) for (const name of ['authorization', 'proxy-authorization', 'cookie', 'host']) headers.delete(name);
  const next = await fetch(new Request(location, { headers }));
  Object.defineProperty(next, 'redirected', { value: true, configurable: true });
  return next;
}

/** The interceptors' network error: `TypeError: Failed to fetch`, the reason as its `cause`. */
function networkError(cause?: unknown): TypeError {
  return Object.assign(new TypeError('Failed to fetch'), { cause });
}

let stateSymbol: symbol | null | undefined;

/** `response.url`, as fetch sets it: in undici's own state where it can (the interceptors' `setUrl`). */
function setUrl(response: Response, url: string): void {
  stateSymbol ??= Object.getOwnPropertySymbols(response).find((s) => s.description === 'state') ?? null;
  const state = stateSymbol === null ? undefined : (Reflect.get(response, stateSymbol) as { urlList?: URL[] } | undefined);
  if (state?.urlList !== undefined) state.urlList.push(new URL(url));
  else Object.defineProperty(response, 'url', { value: url, enumerable: true, configurable: true, writable: false });
}
