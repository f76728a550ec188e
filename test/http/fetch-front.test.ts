import fc from 'fast-check';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterEach, describe, expect, it } from 'vitest';
import { withCassette, type Mode, type ReplayError } from '../../src/index.js';
import { frontAnswers, readFetchArgs } from '../../src/http/fetch-front.js';
import { outgoingOf, requestToCall, type ExchangeOptions } from '../../src/http/exchange.js';
import { startServer, type LoopbackServer, type Route } from '../helpers/server.js';

// tapedeck answers plain fetch calls itself, in front of the interceptors (src/http/fetch-front.ts). These
// tests hold that path to the interceptors' one: the same key for the same call, the same answer for the
// same recording, and everything it cannot read exactly left to the interceptors.

const BASE = 'http://127.0.0.1:4010';

/** The key the front gives fetch's arguments, and the one the interceptors' path gives the `Request` they make. */
async function bothKeys(input: string | URL, init: RequestInit | undefined, options: ExchangeOptions = {}) {
  const front = readFetchArgs(input, init);
  expect(front, 'the front reads these arguments').toBeDefined();
  return { front: await requestToCall(front!, options), request: await requestToCall(outgoingOf(new Request(input, init)), options) };
}

describe('the front keys a call exactly as the interceptors path does', () => {
  const cases: Array<[string, string | URL, RequestInit | undefined, ExchangeOptions?]> = [
    ['a bare GET', `${BASE}/v1/models`, undefined],
    ['a query with repeats, a secret name and escapes', `${BASE}/search?q=caf%C3%A9&q=two&api_key=abc&x=a+b&empty=`, {}],
    ['a URL object with a fragment and an IDN host', new URL('http://bücher.example:8080/a/../b?x=1#frag'), { method: 'get' }],
    ['a JSON body with a content type', `${BASE}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }], api_key: 'sk-x' }) }],
    ['a JSON-looking body with no content type (text/plain by default)', `${BASE}/echo`, { method: 'POST', body: '{"a":1,"b":[1,2]}' }],
    ['a lone surrogate in a text body', `${BASE}/echo`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'a\ud800b\udc00c' }],
    ['a big integer (kept as text)', `${BASE}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":1050118621198921728}' }],
    ['a form body', `${BASE}/token`, { method: 'POST', headers: [['content-type', 'application/x-www-form-urlencoded']], body: 'grant_type=x&client_secret=s3cret&scope=a+b' }],
    ['a multipart body', `${BASE}/upload`, { method: 'PUT', headers: new Headers({ 'content-type': 'multipart/form-data; boundary=XyZ' }), body: '--XyZ\r\nContent-Disposition: form-data; name="password"\r\n\r\nhunter2\r\n--XyZ--\r\n' }],
    ['a lower-case method and an empty body', `${BASE}/items/1`, { method: 'put', body: '' }],
    ['matched headers, the default content type among them', `${BASE}/echo`, { method: 'POST', headers: { 'X-Tenant': 'acme', authorization: 'Bearer sk-abc' }, body: 'plain' }, { matchHeaders: ['x-tenant', 'Authorization', 'content-type', 'x-absent'] }],
    ['a key-shaped path segment', `${BASE}/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe`, undefined],
  ];
  it.each(cases)('%s', async (_name, input, init, options) => {
    const { front, request } = await bothKeys(input, init, options);
    expect(front).toEqual(request);
  });

  it('for any text body, query value and content type (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary' }),
        fc.string(),
        fc.constantFrom(undefined, 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream'),
        async (body, value, type) => {
          const url = `${BASE}/p?v=${encodeURIComponent(value)}&token=${encodeURIComponent(value)}`;
          const { front, request } = await bothKeys(url, { method: 'POST', body, ...(type === undefined ? {} : { headers: { 'content-type': type } }) });
          expect(front).toEqual(request);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('what the front leaves to the interceptors', () => {
  const refused: Array<[string, string | URL | Request, RequestInit | undefined]> = [
    ['a Request object', new Request(`${BASE}/x`), undefined],
    ['a stream body', `${BASE}/x`, { method: 'POST', body: new ReadableStream(), duplex: 'half' } as RequestInit],
    ['a Blob body', `${BASE}/x`, { method: 'POST', body: new Blob(['a']) }],
    ['a FormData body', `${BASE}/x`, { method: 'POST', body: new FormData() }],
    ['a URLSearchParams body', `${BASE}/x`, { method: 'POST', body: new URLSearchParams('a=1') }],
    ['bytes', `${BASE}/x`, { method: 'POST', body: new Uint8Array([1]) }],
    ['a GET with a body (Request refuses it)', `${BASE}/x`, { body: 'a' }],
    ['a method Request refuses', `${BASE}/x`, { method: 'CONNECT' }],
    ['an unusual method', `${BASE}/x`, { method: 'PROPFIND' }],
    ['a relative URL', '/x', undefined],
    ['credentials in the URL', 'http://user:pw@127.0.0.1/x', undefined],
    ['a scheme other than HTTP', 'data:text/plain,hi', undefined],
    ['an aborted signal', `${BASE}/x`, { signal: AbortSignal.abort() }],
    ['an init member that changes the Request', `${BASE}/x`, { mode: 'navigate' }],
    ['an unknown redirect mode', `${BASE}/x`, { redirect: 'sideways' as RequestInit['redirect'] }],
    ['headers Request refuses', `${BASE}/x`, { headers: { 'bad name': 'x' } }],
  ];
  it.each(refused)('%s', (_name, input, init) => {
    expect(readFetchArgs(input, init)).toBeUndefined();
  });
});

// End to end, through the real global fetch, against a real loopback server.
const routes: Route = (req, res, body) => {
  const url = new URL(req.url ?? '/', 'http://x');
  res.setHeader('content-type', 'application/json');
  switch (url.pathname) {
    case '/json':
      return void res.end(JSON.stringify({ q: url.searchParams.get('q'), method: req.method, body, n: Math.random() }));
    case '/redirect':
      res.statusCode = Number(url.searchParams.get('status') ?? 302);
      res.setHeader('location', '/json?q=redirected');
      return void res.end();
    default:
      res.statusCode = 404;
      return void res.end('{}');
  }
};

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const quiet = { onWarning: () => undefined } as const;
const tempPath = async () => join(await mkdtemp(join(tmpdir(), 'tapedeck-front-')), 'c.json');
const tape = <T>(path: string, mode: Mode, fn: () => Promise<T>) => withCassette({ path, mode, ...quiet }, fn);

/** What a client can see of a response. */
async function seen(response: Response) {
  return { status: response.status, url: response.url, redirected: response.redirected, type: response.headers.get('content-type'), body: await response.text() };
}

describe('through the real fetch', () => {
  it('a call recorded through the interceptors replays through the front, and the other way round', async () => {
    server = await startServer(routes);
    const url = `${server.url}/json?q=1`;
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"b":2,"a":1}' };
    const viaRequest = await tempPath();
    const viaArgs = await tempPath();
    // A Request object always takes the interceptors' path.
    const live1 = await tape(viaRequest, 'record', async () => seen(await fetch(new Request(url, init))));
    const before = frontAnswers();
    const live2 = await tape(viaArgs, 'record', async () => seen(await fetch(url, init)));
    expect(frontAnswers()).toBe(before + 1);
    await server.close();
    server = undefined;
    // Each cassette replays through the other path: the keys agree.
    const replayed1 = await tape(viaRequest, 'replay', async () => seen(await fetch(url, { ...init, body: '{"a":1,"b":2}' })));
    const replayed2 = await tape(viaArgs, 'replay', async () => seen(await fetch(new Request(url, init))));
    expect(frontAnswers()).toBe(before + 2);
    expect(replayed1).toEqual(live1);
    expect(replayed2).toEqual(live2);
    expect(replayed1.url).toBe(url);
  });

  it('redirects replay as the interceptors replay them: followed, manual, or refused', async () => {
    server = await startServer(routes);
    const base = server.url;
    const path = await tempPath();
    const run = async (make: (url: string, init: RequestInit) => Promise<Response>) => {
      const out: unknown[] = [];
      out.push(await seen(await make(`${base}/redirect?status=302`, {})));
      out.push(await seen(await make(`${base}/redirect?status=303`, { method: 'POST', body: 'x' })));
      out.push(await seen(await make(`${base}/redirect?status=307`, { method: 'DELETE' })));
      out.push(await seen(await make(`${base}/redirect?status=301`, { redirect: 'manual' })));
      out.push(await make(`${base}/redirect?status=308`, { redirect: 'error' }).then(seen, (e: Error) => `${e.name}: ${e.message}`));
      out.push(await make(`${base}/redirect?status=307`, { method: 'POST', body: 'y' }).then(seen, (e: Error) => `${e.name}: ${e.message}`));
      return out;
    };
    const live = await tape(path, 'record', () => run((url, init) => fetch(new Request(url, init))));
    await server.close();
    server = undefined;
    const before = frontAnswers();
    const viaFront = await tape(path, 'replay', () => run((url, init) => fetch(url, init)));
    expect(frontAnswers() - before).toBeGreaterThanOrEqual(6);
    const viaInterceptors = await tape(path, 'replay', () => run((url, init) => fetch(new Request(url, init))));
    expect(viaFront).toEqual(viaInterceptors);
    expect(viaFront).toEqual(live);
    expect(viaFront[0]).toMatchObject({ status: 200, redirected: true, url: `${base}/json?q=redirected` });
    expect(viaFront[4]).toBe('TypeError: Failed to fetch');
  });

  it('a miss through the front is the same loud failure, and nothing reaches the network', async () => {
    server = await startServer(routes);
    const path = await tempPath();
    await tape(path, 'record', async () => (await fetch(`${server!.url}/json?q=a`)).text());
    const hits = server.hits();
    const before = frontAnswers();
    const error = await tape(path, 'replay', async () => (await fetch(`${server!.url}/json?q=b`)).status).catch((e: ReplayError) => e);
    expect(frontAnswers()).toBe(before + 1);
    expect((error as ReplayError).reason).toBe('cassette-miss');
    expect((error as ReplayError).message).toContain('query.q: "a" -> "b"');
    expect(server.hits()).toBe(hits);
  });

  it('a recorded network error replays through the front as fetch reports one', async () => {
    const path = await tempPath();
    const dead = await startServer(routes);
    const url = `${dead.url}/json`;
    await dead.close();
    const live = await tape(path, 'record', () => fetch(url).catch((e: Error) => e));
    const replayed = await tape(path, 'replay', () => fetch(url).catch((e: Error) => e));
    expect(replayed).toBeInstanceOf(TypeError);
    expect(`${(replayed as Error).message} / ${((replayed as Error).cause as Error).message}`).toBe(`${(live as Error).message} / ${((live as Error).cause as Error).message}`);
  });

  it('a signal aborted while the answer is read rejects with its reason', async () => {
    server = await startServer(routes);
    const path = await tempPath();
    await tape(path, 'record', async () => (await fetch(`${server!.url}/json`)).text());
    const controller = new AbortController();
    const reason = new Error('stop');
    const result = await tape(path, 'replay', () => {
      const pending = fetch(`${server!.url}/json`, { signal: controller.signal });
      controller.abort(reason);
      return pending.catch((e: unknown) => e);
    });
    expect(result).toBe(reason);
  });

  it('steps aside while a user msw server listens, so their handlers answer first', async () => {
    server = await startServer(routes);
    const path = await tempPath();
    const msw = setupServer(http.get(`${server.url}/json`, () => HttpResponse.json({ from: 'msw' })));
    msw.listen({ onUnhandledRequest: 'bypass' });
    try {
      const before = frontAnswers();
      const body = await tape(path, 'record', async () => (await fetch(`${server!.url}/json`)).json());
      expect(body).toEqual({ from: 'msw' });
      expect(frontAnswers()).toBe(before);
    } finally {
      msw.close();
    }
    // With their server closed the front answers again; msw's answer was never recorded.
    await expect(readFile(path, 'utf8')).rejects.toThrow(/ENOENT/);
  });
});
