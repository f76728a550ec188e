import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withCassette, type Mode, type ReplayError } from '../../src/index.js';
import { deadPort, startServer, type LoopbackServer, type Route } from '../helpers/server.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

const routes: Route = (req, res, body) => {
  const url = new URL(req.url ?? '/', 'http://x');
  switch (url.pathname) {
    case '/json':
      res.setHeader('content-type', 'application/json');
      return void res.end(JSON.stringify({ hello: 'world', q: url.searchParams.get('q'), n: Math.random() }));
    case '/text':
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      return void res.end(`plain text ${Math.random()}`);
    case '/png':
      res.setHeader('content-type', 'image/png');
      return void res.end(PNG);
    case '/echo':
      res.setHeader('content-type', 'application/json');
      return void res.end(JSON.stringify({ got: JSON.parse(body || 'null'), n: Math.random() }));
    case '/redirect':
      res.statusCode = 302;
      res.setHeader('location', '/json?q=redirected');
      return void res.end();
    case '/missing':
      res.statusCode = 404;
      res.setHeader('content-type', 'application/json');
      return void res.end('{"error":"not found"}');
    case '/boom':
      res.statusCode = 503;
      res.statusMessage = 'Service Unavailable';
      return void res.end('down');
    case '/gzip':
      res.setHeader('content-type', 'application/json');
      res.setHeader('content-encoding', 'gzip');
      return void res.end(gzipSync(JSON.stringify({ zipped: true, n: Math.random() })));
    case '/cookie':
      res.setHeader('set-cookie', ['session=abc123; HttpOnly', 'theme=dark']);
      res.setHeader('content-type', 'application/json');
      return void res.end('{"ok":true}');
    case '/leak':
      res.setHeader('content-type', 'application/json');
      return void res.end('{"echo":"your key is sk-proj-abcdefghijklmnopqrstuvwxyz0123"}');
    default:
      res.statusCode = 500;
      res.end('no route');
  }
};

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const quiet = { onWarning: () => undefined } as const;
const tempPath = async () => join(await mkdtemp(join(tmpdir(), 'tapedeck-http-')), 'c.json');
const tape = <T>(path: string, mode: Mode, fn: () => Promise<T>) => withCassette({ path, mode, ...quiet }, fn);

/** Records `fn` against a live server, stops the server, replays `fn`: returns both results. */
async function recordThenReplay<T>(fn: (base: string) => Promise<T>): Promise<{ live: T; replayed: T; path: string; hits: number }> {
  server = await startServer(routes);
  const base = server.url;
  const path = await tempPath();
  const live = await tape(path, 'auto', () => fn(base));
  const hits = server.hits();
  await server.close();
  server = undefined;
  const replayed = await tape(path, 'replay', () => fn(base));
  return { live, replayed, path, hits };
}

function nodeGet(url: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP through fetch', () => {
  it('replays JSON, text and binary bodies byte for byte with the server stopped', async () => {
    const { live, replayed, hits } = await recordThenReplay(async (base) => {
      const json = await (await fetch(`${base}/json?q=1`)).json();
      const text = await (await fetch(`${base}/text`)).text();
      const png = Buffer.from(await (await fetch(`${base}/png`)).arrayBuffer()).toString('hex');
      return { json, text, png };
    });
    expect(hits).toBe(3);
    expect(replayed).toEqual(live);
    expect(replayed.png).toBe(PNG.toString('hex'));
  });

  it('matches the query string: a changed query is a miss', async () => {
    const { path } = await recordThenReplay(async (base) => (await fetch(`${base}/json?q=1`)).json());
    const error = (await tape(path, 'replay', async () => (await fetch('http://127.0.0.1:1/json?q=2')).json()).catch((e: unknown) => e)) as ReplayError;
    expect(error.reason).toBe('cassette-miss');
    const other = (await tape(path, 'replay', async () => {
      const base = JSON.parse(await readFile(path, 'utf8')).entries[0].toolId.replace('http:GET ', '').replace('/json', '');
      return (await fetch(`${base}/json?q=2`)).json();
    }).catch((e: unknown) => e)) as ReplayError;
    expect(other.reason).toBe('cassette-miss');
    expect(other.message).toContain('args.query.q: "1" -> "2"');
  });

  it('keys POST JSON canonically: key order does not matter', async () => {
    server = await startServer(routes);
    const path = await tempPath();
    const post = (base: string, body: string) => fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.json());
    const live = await tape(path, 'auto', () => post(server!.url, '{"b":2,"a":{"y":1,"x":0}}'));
    // The live request of a recording carries the body tapedeck read to key it (read once, not cloned).
    expect(live).toMatchObject({ got: { b: 2, a: { y: 1, x: 0 } } });
    const base = server.url;
    await server.close();
    server = undefined;
    expect(await tape(path, 'replay', () => post(base, '{"a":{"x":0,"y":1},"b":2}'))).toEqual(live);
    const file = JSON.parse(await readFile(path, 'utf8'));
    expect(file.entries[0].args).toEqual({ query: {}, body: { a: { x: 0, y: 1 }, b: 2 } });
  });

  it('replays repeated identical requests in recorded order', async () => {
    const { live, replayed } = await recordThenReplay(async (base) => {
      const out = [];
      for (let i = 0; i < 3; i++) out.push(((await (await fetch(`${base}/json`)).json()) as { n: number }).n);
      return out;
    });
    expect(new Set(live).size).toBe(3);
    expect(replayed).toEqual(live);
  });

  it('follows redirects on replay as it did live, one entry per hop', async () => {
    const { live, replayed, path } = await recordThenReplay(async (base) => {
      const res = await fetch(`${base}/redirect`);
      return { status: res.status, redirected: res.redirected, body: await res.json() };
    });
    expect(live.body).toMatchObject({ q: 'redirected' });
    expect(replayed).toEqual(live);
    const file = JSON.parse(await readFile(path, 'utf8'));
    expect(file.entries.map((e: { result: { value: { status: number } } }) => e.result.value.status)).toEqual([302, 200]);
  });

  it('replays 4xx and 5xx with their status, status text and body', async () => {
    const { live, replayed } = await recordThenReplay(async (base) => {
      const a = await fetch(`${base}/missing`);
      const b = await fetch(`${base}/boom`);
      return [a.status, await a.json(), b.status, b.statusText, await b.text()];
    });
    expect(live).toEqual([404, { error: 'not found' }, 503, 'Service Unavailable', 'down']);
    expect(replayed).toEqual(live);
  });

  it('stores gzip responses decoded and drops the encoding headers', async () => {
    const { live, replayed, path } = await recordThenReplay(async (base) => (await fetch(`${base}/gzip`)).json());
    expect(live).toMatchObject({ zipped: true });
    expect(replayed).toEqual(live);
    const headers = JSON.parse(await readFile(path, 'utf8')).entries[0].result.value.headers;
    expect(headers).not.toHaveProperty('content-encoding');
    expect(headers).not.toHaveProperty('content-length');
  });

  it('records a refused connection as a network error and replays it as one (not an HTTP 500)', async () => {
    const port = await deadPort();
    const path = await tempPath();
    const attempt = () => fetch(`http://127.0.0.1:${port}/x`).then((r) => `status ${r.status}`, (e: Error) => `${e.name}: ${e.message}`);
    const live = await tape(path, 'auto', attempt);
    const replayed = await tape(path, 'replay', attempt);
    expect(live).toMatch(/^TypeError/);
    expect(replayed).toMatch(/^TypeError/);
    expect(JSON.parse(await readFile(path, 'utf8')).entries[0].result.ok).toBe(false);
  });

  it('fails the test with cassette-miss even when the client swallows the network error', async () => {
    const path = await tempPath();
    server = await startServer(routes);
    const base = server.url;
    await tape(path, 'auto', async () => (await fetch(`${base}/json`)).json());
    const run = tape(path, 'replay', async () => {
      await fetch(`${base}/text`).catch(() => 'swallowed');
      return 'done';
    });
    await expect(run).rejects.toMatchObject({ reason: 'cassette-miss', toolId: `http:GET ${base}/text` });
    expect(server.hits()).toBe(1);
  });

  it('never writes Authorization, x-api-key, cookies or secret query parameters, and a new key still matches', async () => {
    server = await startServer(routes);
    const base = server.url;
    const path = await tempPath();
    const call = (key: string) =>
      fetch(`${base}/cookie?api_key=${key}&page=2`, { headers: { authorization: `Bearer ${key}`, 'x-api-key': key } }).then((r) => r.json());
    await withCassette({ path, mode: 'auto', matchHeaders: ['authorization', 'accept'], ...quiet }, () => call('sk-proj-recordingkeyabcdefghijklmnop'));
    await server.close();
    server = undefined;
    const replayed = await withCassette({ path, mode: 'replay', matchHeaders: ['authorization', 'accept'], ...quiet }, () => call('sk-proj-adifferentkeyinci0123456789'));
    expect(replayed).toEqual({ ok: true });
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('sk-proj');
    expect(text).not.toContain('abc123');
    const entry = JSON.parse(text).entries[0];
    expect(entry.args).toEqual({ query: { api_key: '[REDACTED]', page: '2' }, body: null, headers: { authorization: '[REDACTED]' } });
    expect(entry.result.value.headers['set-cookie']).toEqual(['[REDACTED]', '[REDACTED]']);
  });

  it('refuses to write a response that holds a secret (secret-detected), and writes no file', async () => {
    server = await startServer(routes);
    const path = await tempPath();
    const base = server.url;
    await expect(tape(path, 'auto', async () => (await fetch(`${base}/leak`)).json())).rejects.toMatchObject({
      reason: 'secret-detected',
      jsonPath: '$.entries[0].result.value.body.json.echo',
    });
    await expect(stat(path)).rejects.toThrow();
  });

  it('keeps two concurrent cassettes apart', async () => {
    server = await startServer(routes);
    const base = server.url;
    const [a, b] = [await tempPath(), await tempPath()];
    await Promise.all([
      tape(a, 'auto', () => Promise.all([1, 2, 3].map((i) => fetch(`${base}/json?q=a${i}`).then((r) => r.json())))),
      tape(b, 'auto', () => Promise.all([1, 2, 3].map((i) => fetch(`${base}/json?q=b${i}`).then((r) => r.json())))),
    ]);
    const queries = async (p: string) => JSON.parse(await readFile(p, 'utf8')).entries.map((e: { args: { query: { q: string } } }) => e.args.query.q).sort();
    expect(await queries(a)).toEqual(['a1', 'a2', 'a3']);
    expect(await queries(b)).toEqual(['b1', 'b2', 'b3']);
  });

  it('lets passthrough hosts go live unrecorded, and leaves requests outside a cassette alone', async () => {
    server = await startServer(routes);
    const base = server.url;
    const path = await tempPath();
    await withCassette({ path, mode: 'auto', passthrough: ['127.0.0.1'], ...quiet }, async () => (await fetch(`${base}/json`)).json());
    await expect(stat(path)).rejects.toThrow();
    await (await fetch(`${base}/json`)).json();
    expect(server.hits()).toBe(2);
  });
});

describe('tools that make HTTP calls', () => {
  it('are taped once, as the tool: the inner request is neither recorded nor reported unused', async () => {
    server = await startServer(routes);
    const base = server.url;
    const path = await tempPath();
    const { tool } = await import('../../src/index.js');
    const lookup = tool('lookup', async (q: string) => (await fetch(`${base}/json?q=${q}`)).json());
    const warnings: string[] = [];
    const live = await withCassette({ path, mode: 'auto', onWarning: (w) => warnings.push(w) }, () => lookup('x'));
    expect(JSON.parse(await readFile(path, 'utf8')).entries.map((e: { toolId: string }) => e.toolId)).toEqual(['lookup']);
    await server.close();
    server = undefined;
    expect(await withCassette({ path, mode: 'replay', onWarning: (w) => warnings.push(w) }, () => lookup('x'))).toEqual(live);
    expect(warnings).toEqual([]);
  });
});

describe('HTTP through node:http', () => {
  it('records and replays node:http requests like fetch ones', async () => {
    const { live, replayed, hits } = await recordThenReplay(async (base) => {
      const a = await nodeGet(`${base}/json?q=node`);
      const b = await nodeGet(`${base}/missing`);
      return [a.status, JSON.parse(a.body), b.status, b.body];
    });
    expect(hits).toBe(2);
    expect(live[1]).toMatchObject({ q: 'node' });
    expect(replayed).toEqual(live);
  });
});
