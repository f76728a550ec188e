import type { HostMatcher, TapedeckOptions } from '../config.js';
import { isReplayError, type ReplayError } from '../errors.js';
import type { CassetteSession, SessionCall } from '../session.js';
import { addUsage, responseUsage } from '../usage.js';
import { clientTlsOptions, fetchWithTls } from './node-live.js';
import { keyOf, outgoingOf, readBodyOf, requestToCall, responseToStored, storedToResponse, verifyView, type HttpCallKey, type OutgoingRequest, type StoredResponse } from './exchange.js';

/**
 * What tapedeck does with an intercepted request: answer it (a replayed or just-recorded response),
 * fail it as a network error (`{ networkError }`: a recorded one, with its cause), or let it through to
 * the network (a `passthrough` host).
 */
export type Answer = Response | { networkError: Error } | 'passthrough';

/** msw's convention for a request its listeners must let through untouched (msw's `bypass()`). */
const BYPASS = 'msw/passthrough';
const BYPASS_PATTERN = /(,\s+)?msw\/passthrough/;

/** A request tapedeck answers: what keys it, and how to make it for real (recording, verify). */
export interface Intercepted extends OutgoingRequest {
  /** Sends the request to the network, untaped, redirects unfollowed; resolves with the response. */
  send(): Promise<Response>;
}

/** An intercepted `Request` (the interceptors' listener, an msw handler). */
export function intercepted(request: Request): Intercepted {
  return { ...outgoingOf(request), send: () => liveResponse(request) };
}

/** Routes an intercepted request through the cassette of its async context; a response is built `As` that class. */
export async function answer(request: Intercepted, session: CassetteSession, As: typeof Response = Response): Promise<Answer> {
  const options = session.options;
  if (passesThrough(request.url, options.passthrough)) return 'passthrough';
  const key = await requestToCall(request, options);
  try {
    return storedToResponse(await session.call(exchange(request, key, options)), options, As);
  } catch (error) {
    return failure(error);
  }
}

/**
 * {@link answer}, synchronously, when the request replays (or fails) from the cassette: what the fetch
 * front answers without a promise per step. `undefined` when it cannot (a passthrough host, a body still to
 * be read, a call to record or verify): then {@link answer} decides. `request.bytes()` must give the same
 * body again (the front's does).
 */
export function answerNow(request: Intercepted, session: CassetteSession, As: typeof Response = Response): Answer | undefined {
  const options = session.options;
  if (passesThrough(request.url, options.passthrough)) return undefined;
  const body = request.bytes();
  if (body instanceof Promise) return undefined;
  const key = keyOf(request, body, options);
  try {
    const replayed = session.replayNow(exchange(request, key, options));
    return replayed === undefined ? undefined : storedToResponse(replayed.value, options, As);
  } catch (error) {
    return failure(error);
  }
}

/** The session's view of one HTTP exchange. */
function exchange(request: Intercepted, key: HttpCallKey, options: TapedeckOptions): SessionCall<StoredResponse> {
  return {
    toolId: key.toolId,
    args: key.args,
    plainArgs: true,
    // Each redirect hop is its own exchange, so the client follows them on replay as it did live.
    live: async () => responseToStored(await request.send().catch(rethrowCause), options, key.toolId),
    compareView: verifyView,
    // storedToResponse only reads the recording to build a new Response: no copy needed.
    readOnly: true,
    // An LLM answer replayed is tokens not spent: counted per model for the run summary.
    onReplay: (replayed, stats) => {
      const usage = responseUsage(replayed as StoredResponse);
      if (usage !== undefined) addUsage((stats.tokens ??= {}), usage);
    },
  };
}

/** What the client gets when a call fails. */
function failure(error: unknown): Answer {
  // tapedeck's own problem (a miss, a closed session, ...): the session has noted it and fails the test
  // at its end with the full explanation; the client gets an answer it will not retry.
  if (isReplayError(error)) return tapedeckAnswer(error);
  // A network error, recorded or live: the client sees a network error with its cause, never an HTTP 500,
  // shaped as Node's own fetch reports one (`TypeError: fetch failed`, the socket's error as `cause`).
  return { networkError: new TypeError('fetch failed', { cause: error }) };
}

/**
 * fetch reports every network failure as `TypeError: fetch failed` with the real one (`connect
 * ECONNREFUSED 127.0.0.1:4010`) as its cause: that cause is what is recorded and what the client's own
 * fetch rejects with (as its cause) on replay.
 */
function rethrowCause(error: unknown): never {
  const cause = (error as { cause?: unknown } | null)?.cause;
  throw error instanceof TypeError && cause instanceof Error ? cause : error;
}

/** The status of tapedeck's own answers: outside what SDKs and HTTP clients retry (5xx up to 504, 408, 429). */
export const TAPEDECK_STATUS = 599;

/**
 * The answer to a request tapedeck refuses (a miss, ...): one the openai and Anthropic SDKs do not retry
 * (`x-should-retry: false`, which both honour before their status rules), so a miss costs no backoff and is
 * reported once, with the explanation as the error message both SDKs show (`error.message`, `message`).
 */
function tapedeckAnswer(error: ReplayError): Response {
  const body = { type: 'error', message: error.message, error: { type: 'tapedeck_error', code: error.reason, message: error.message } };
  return new Response(JSON.stringify(body), {
    status: TAPEDECK_STATUS,
    statusText: `tapedeck ${error.reason}`,
    headers: { 'content-type': 'application/json', 'x-should-retry': 'false', 'x-tapedeck-error': error.reason },
  });
}

/**
 * The live response of a recording. A node:https request with TLS options of its own or of its
 * `https.Agent` (a private CA, a client certificate) goes out over node:https with them: `fetch` would
 * drop them and fail the handshake.
 */
function liveResponse(request: Request): Promise<Response> {
  const tls = clientTlsOptions(request);
  const live = bypass(request);
  return tls === undefined ? fetch(live) : fetchWithTls(live, tls);
}

/**
 * The live request of a recording: unredirected, and marked the way msw's `bypass()` marks one, so a
 * user's msw server lets it through instead of answering it from their handlers. The live call runs
 * outside the cassette, so tapedeck itself leaves it alone too (and removes the mark, see {@link unmark}).
 */
function bypass(request: Request): Request {
  // requestToCall consumed the body: the live request carries the bytes it read.
  const body = readBodyOf(request);
  return markBypass(body === undefined ? new Request(request.clone(), { redirect: 'manual' }) : new Request(request, { body, redirect: 'manual' }));
}

/** Marks a live request the way msw's `bypass()` does (see {@link bypass}). */
export function markBypass(live: Request): Request {
  live.headers.append('accept', BYPASS);
  return live;
}

/** Removes the bypass mark before the request goes to the network, as msw's own listener does. */
export function unmark(request: Request): void {
  const accept = request.headers.get('accept');
  if (accept === null || !accept.includes(BYPASS)) return;
  const rest = accept.replace(BYPASS_PATTERN, '');
  if (rest === '') request.headers.delete('accept');
  else request.headers.set('accept', rest);
}

/** Whether `url` is on a `passthrough` host (its calls go to the network untaped). */
export function passesThrough(url: string, hosts: readonly HostMatcher[] | undefined): boolean {
  if (hosts === undefined || hosts.length === 0) return false;
  const { host, hostname } = new URL(url);
  return hosts.some((h) => (typeof h === 'string' ? h === hostname || h === host : h.test(host)));
}
