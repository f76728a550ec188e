// Experiment (issue 6): answer taped requests from a listener on @mswjs/interceptors (the layer msw is built
// on) instead of through an msw request handler, to see how much of a replay's cost is msw's own pipeline.
// Replay only: this is a measurement, not a second implementation of src/http.
import { BatchInterceptor, RequestController, type HttpRequestEventMap } from '@mswjs/interceptors';
import { ClientRequestInterceptor } from '@mswjs/interceptors/ClientRequest';
import { FetchInterceptor } from '@mswjs/interceptors/fetch';
import { currentSession } from '../src/context.js';
import { requestToCall, storedToResponse, verifyView, type StoredResponse } from '../src/http/exchange.js';

type Listener = (...args: HttpRequestEventMap['request']) => void | Promise<void>;

/**
 * Applies fetch + node:http interception with one `request` listener. When msw is running too, the
 * interceptors share the running instance (a global symbol per interceptor), so this listener is called
 * after msw's if msw was applied first: a request msw's handlers answered is `readyState !== PENDING` here.
 */
function install(listener: Listener): () => Promise<void> {
  const interceptor = new BatchInterceptor({ name: 'tapedeck-direct', interceptors: [new ClientRequestInterceptor(), new FetchInterceptor()] });
  interceptor.apply();
  interceptor.on('request', listener);
  return async () => interceptor.dispose();
}

/** The floor of this layer: every request answered with the same pre-serialized body. */
export async function installDirectMinimum(text: string, contentType: string): Promise<() => Promise<void>> {
  return install(({ controller }) => {
    controller.respondWith(new Response(text, { headers: { 'content-type': contentType } }));
  });
}

/** tapedeck's replay path (key -> session.call -> stored response) on a bare interceptor listener. */
export async function installDirect(): Promise<() => Promise<void>> {
  return install(async ({ request, controller }) => {
    if (controller.readyState !== RequestController.PENDING) return; // a user's msw handler answered it
    const session = currentSession();
    if (session === undefined) return;
    const key = await requestToCall(request, session.options);
    try {
      const stored = await session.call<StoredResponse>({
        toolId: key.toolId,
        args: key.args,
        live: () => Promise.reject(new Error('tapedeck-direct: replay only (bench experiment)')),
        compareView: verifyView,
      });
      controller.respondWith(storedToResponse(stored, session.options));
    } catch {
      controller.respondWith(Response.error());
    }
  });
}
