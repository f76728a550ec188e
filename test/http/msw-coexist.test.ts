import { mkdtemp, readFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterEach, describe, expect, it } from 'vitest';
import { installHttp, withCassette, type Mode } from '../../src/index.js';
import { startServer, type LoopbackServer } from '../helpers/server.js';

// A user's own msw server beside tapedeck: their handlers keep answering their requests, inside and
// outside cassette scopes, and tapedeck records and replays everything else, whichever started first.

const USER_URL = 'https://user.example/profile';
const userHandler = http.get(USER_URL, () => HttpResponse.json({ from: 'user handler' }));

let api: LoopbackServer | undefined;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
  await api?.close();
  api = undefined;
});

async function startApi(): Promise<LoopbackServer> {
  api = await startServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ from: 'api', n: Math.random() }));
  });
  return api;
}

const tempCassette = async () => join(await mkdtemp(join(tmpdir(), 'tapedeck-msw-')), 'c.json');
const json = async (url: string) => (await (await fetch(url)).json()) as { from: string; n?: number };
/** The user's URL through node:https, which msw and tapedeck intercept separately from fetch (msw patches
 * the module object, so not through a named import). */
const viaNodeHttp = (url: string) =>
  new Promise<string>((resolve) => {
    https.get(url, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
    }).on('error', (error) => resolve(`error: ${error.message}`));
  });
const USER_ANSWER = '200 {"from":"user handler"}';

/** One scope: the user's request (fetch and node:https) and one API request; what each returned. */
function scope(path: string, mode: Mode, apiUrl: string, options: { mswServer?: ReturnType<typeof setupServer> } = {}) {
  return withCassette({ path, mode, onWarning: () => undefined, ...options }, async () => ({
    user: await json(USER_URL),
    userViaNodeHttp: await viaNodeHttp(USER_URL),
    api: await json(`${apiUrl}/weather`),
  }));
}

async function toolIds(path: string): Promise<string[]> {
  return (JSON.parse(await readFile(path, 'utf8')) as { entries: Array<{ toolId: string }> }).entries.map((e) => e.toolId);
}

describe('a user msw server passed as mswServer', () => {
  it('answers its own requests; tapedeck records and replays the rest through it, with nothing unhandled', async () => {
    const server = setupServer(userHandler);
    server.listen({ onUnhandledRequest: 'error' }); // any request tapedeck failed to answer would error
    cleanups.push(() => server.close());
    const { url } = await startApi();
    const path = await tempCassette();

    const recorded = await scope(path, 'auto', url, { mswServer: server });
    expect(recorded.user).toEqual({ from: 'user handler' });
    expect(recorded.userViaNodeHttp).toBe(USER_ANSWER);
    expect(recorded.api.from).toBe('api');
    expect(await toolIds(path)).toEqual([`http:GET ${url}/weather`]);
    expect(api?.seen[0]?.headers.accept ?? '').not.toContain('msw/passthrough'); // msw's bypass mark, removed

    await api?.close();
    const replayed = await scope(path, 'replay', url, { mswServer: server });
    expect(replayed).toEqual(recorded);
    expect(await json(USER_URL)).toEqual({ from: 'user handler' });
  });
});

describe.each(['after', 'before'] as const)('an unconfigured user msw server started %s tapedeck', (order) => {
  it('keeps answering its own requests; tapedeck records and replays the rest', async () => {
    const unhandled: string[] = [];
    const server = setupServer(userHandler);
    const listen = () => server.listen({ onUnhandledRequest: (request) => void unhandled.push(request.url) });
    let release: () => Promise<void>;
    if (order === 'after') {
      release = installHttp();
      listen();
    } else {
      listen();
      release = installHttp();
    }
    cleanups.push(() => server.close(), release);
    const { url } = await startApi();
    const path = await tempCassette();

    const recorded = await scope(path, 'auto', url);
    expect(recorded.user).toEqual({ from: 'user handler' }); // theirs first, even inside a cassette
    expect(recorded.userViaNodeHttp).toBe(USER_ANSWER);
    expect(await toolIds(path)).toEqual([`http:GET ${url}/weather`]); // and never taped
    expect(api?.seen).toHaveLength(1);
    expect(api?.seen[0]?.headers.accept ?? '').not.toContain('msw/passthrough');

    await api?.close();
    expect(await scope(path, 'replay', url)).toEqual(recorded);
    expect(await json(USER_URL)).toEqual({ from: 'user handler' });

    if (order === 'after') {
      // Their server stops first (as in an afterAll): tapedeck keeps replaying.
      server.close();
      const replayed = await withCassette({ path, mode: 'replay', onWarning: () => undefined }, () => json(`${url}/weather`));
      expect(replayed).toEqual(recorded.api);
    } else {
      // tapedeck lets go first: their server keeps working.
      await release();
      expect(await json(USER_URL)).toEqual({ from: 'user handler' });
      expect(await viaNodeHttp(USER_URL)).toBe(USER_ANSWER);
    }
    // msw saw tapedeck's requests as its own unhandled ones: pass the server as mswServer to avoid that.
    expect(unhandled.length).toBeGreaterThan(0); // every() over an empty list would prove nothing
    expect(unhandled.filter((u) => !u.startsWith(url))).toEqual([]);
  });
});

it('a user server that listens and closes around every test keeps working, during and after tapedeck', async () => {
  // tapedeck starts first (the adapters start it when the test file loads), so msw's interceptors join
  // tapedeck's; msw's are module singletons, and once closed and listening again they still add their
  // listeners to the interceptor they joined.
  const release = installHttp();
  cleanups.push(release);
  const server = setupServer(userHandler);
  const { url } = await startApi();
  const path = await tempCassette();
  let first: Awaited<ReturnType<typeof scope>> | undefined;
  for (const mode of ['auto', 'replay', 'replay'] as const) {
    server.listen({ onUnhandledRequest: 'bypass' });
    const result = await scope(path, mode, url);
    server.close();
    expect(result.user).toEqual({ from: 'user handler' });
    expect(result.userViaNodeHttp).toBe(USER_ANSWER);
    first ??= result;
    expect(result).toEqual(first);
    await api?.close(); // replays from here on
  }
  await release();
  server.listen({ onUnhandledRequest: 'bypass' });
  cleanups.push(() => server.close());
  expect(await json(USER_URL)).toEqual({ from: 'user handler' });
  expect(await viaNodeHttp(USER_URL)).toBe(USER_ANSWER);
});
