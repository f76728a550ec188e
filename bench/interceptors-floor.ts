// The floor of the layer tapedeck intercepts with: every request answered with the same pre-serialized
// body from a bare @mswjs/interceptors listener (no cassette, no msw handler pipeline). tapedeck's own
// replay sits between this and msw's minimum.
import { BatchInterceptor } from '@mswjs/interceptors';
import { ClientRequestInterceptor } from '@mswjs/interceptors/ClientRequest';
import { FetchInterceptor } from '@mswjs/interceptors/fetch';

export async function installInterceptorsFloor(text: string, contentType: string): Promise<() => Promise<void>> {
  const interceptor = new BatchInterceptor({ name: 'bench-floor', interceptors: [new ClientRequestInterceptor(), new FetchInterceptor()] });
  interceptor.apply();
  interceptor.on('request', ({ controller }) => {
    controller.respondWith(new Response(text, { headers: { 'content-type': contentType } }));
  });
  return async () => interceptor.dispose();
}
