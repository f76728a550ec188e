import type { HostMatcher } from '../config.js';
import type { CassetteSession } from '../session.js';
import { addUsage, responseUsage } from '../usage.js';
import { requestToCall, responseToStored, storedToResponse, verifyView, type StoredResponse } from './exchange.js';

/**
 * What tapedeck does with an intercepted request: answer it (a replayed or just-recorded response, or
 * `Response.error()` for a network error), or let it through to the network (a `passthrough` host).
 */
export type Answer = Response | 'passthrough';

/** msw's convention for a request its listeners must let through untouched (msw's `bypass()`). */
const BYPASS = 'msw/passthrough';
const BYPASS_PATTERN = /(,\s+)?msw\/passthrough/;

/** Routes an intercepted request through the cassette of its async context. */
export async function answer(request: Request, session: CassetteSession): Promise<Answer> {
  const options = session.options;
  if (matchesHost(new URL(request.url), options.passthrough)) return 'passthrough';
  const key = await requestToCall(request, options);
  try {
    const stored = await session.call<StoredResponse>({
      toolId: key.toolId,
      args: key.args,
      // Each redirect hop is its own exchange, so the client follows them on replay as it did live.
      live: async () => responseToStored(await fetch(bypass(request)), options, key.toolId),
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
    // A recorded network error, or a miss the session has already noted (it fails the test at the end
    // with the full explanation): either way the client sees a network error, never an HTTP 500.
    return Response.error();
  }
}

/**
 * The live request of a recording: unredirected, and marked the way msw's `bypass()` marks one, so a
 * user's msw server lets it through instead of answering it from their handlers. The live call runs
 * outside the cassette, so tapedeck itself leaves it alone too (and removes the mark, see {@link unmark}).
 */
function bypass(request: Request): Request {
  const live = new Request(request.clone(), { redirect: 'manual' });
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

function matchesHost(url: URL, hosts: readonly HostMatcher[] | undefined): boolean {
  if (hosts === undefined || hosts.length === 0) return false;
  return hosts.some((h) => (typeof h === 'string' ? h === url.hostname || h === url.host : h.test(url.host)));
}
