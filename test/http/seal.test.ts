// The network seal (DESIGN section 10): inside a cassette scope, a connection that did not go through
// tapedeck never reaches the network, and fails the test with the cause named. Each case counts what a
// real loopback server received.
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { request as undiciRequest, Agent as UndiciAgent } from 'undici';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCassette, type Mode } from '../../src/index.js';
import { connectTarget } from '../../src/http/seal.js';
import { deadPort, startServer, type LoopbackServer } from '../helpers/server.js';
import { startAnthropicFake, startOpenAIFake } from '../helpers/llm-fakes.js';
import { runStats } from '../../src/report.js';

// Captured before any cassette scope patched fetch: what an SDK client built at a module's top level,
// before tapedeck was imported, holds on to.
const capturedFetch = globalThis.fetch;

let dir: string;
let server: LoopbackServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tapedeck-seal-'));
  server = await startServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
const quiet = { onWarning: () => undefined };
const scope = <T>(mode: Mode, fn: () => Promise<T>, extra: Record<string, unknown> = {}) =>
  withCassette({ path: join(dir, `c${n++}.json`), mode, ...quiet, ...extra }, fn);

describe('the seal refuses what bypassed interception, in replay', () => {
  const bypasses: Array<[string, (url: string) => Promise<unknown>]> = [
    ['a fetch captured before interception started', (url) => capturedFetch(url).then((r) => r.text())],
    ['undici.request with a dispatcher of its own', (url) => undiciRequest(url, { dispatcher: new UndiciAgent() }).then((r) => r.body.text())],
  ];

  it.each(bypasses)('%s: network-in-replay, and the server saw nothing', async (_what, call) => {
    const before = server.hits();
    const run = scope('replay', async () => {
      // The client swallows the failure, as an agent's retry or fallback logic would: the test still fails.
      await call(`${server.url}/x`).catch(() => 'swallowed');
      return 'done';
    });
    await expect(run).rejects.toMatchObject({ name: 'ReplayError', reason: 'network-in-replay' });
    await expect(run).rejects.toThrow(`a connection to 127.0.0.1:${server.port} was refused`);
    await expect(run).rejects.toThrow(/built before tapedeck was imported/);
    expect(server.hits()).toBe(before);
  });

  it('an SDK client holding a captured fetch fails with the cause, not "Connection error" after retries', async () => {
    const before = server.hits();
    const client = new OpenAI({ apiKey: 'test', baseURL: `${server.url}/v1`, fetch: capturedFetch, maxRetries: 0 });
    const run = scope('replay', () => client.models.list());
    await expect(run).rejects.toMatchObject({ reason: 'network-in-replay' });
    await expect(run).rejects.toThrow(/the test then failed with: Error: Connection error/);
    expect(server.hits()).toBe(before);
  });

  it('reports a refused host once, however often the code retries it', async () => {
    const run = scope('replay', async () => {
      for (let i = 0; i < 3; i++) await capturedFetch(`${server.url}/retry`).catch(() => undefined);
    });
    const error = await run.then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/network-in-replay/);
    expect(error?.message).not.toMatch(/more problem/);
  });

  it('seals raw TCP too (a database driver, a socket of its own)', async () => {
    const tcp = await tcpServer();
    try {
      const run = scope('replay', async () => {
        await new Promise<void>((resolve) => {
          const socket = connect(tcp.port, '127.0.0.1');
          socket.on('error', () => resolve());
          socket.on('connect', () => resolve());
        });
      });
      await expect(run).rejects.toMatchObject({ reason: 'network-in-replay' });
      expect(tcp.connections()).toBe(0);
    } finally {
      await tcp.close();
    }
  });

  it('leaves connections outside any scope, and IPC paths, alone', async () => {
    const before = server.hits();
    await expect(capturedFetch(`${server.url}/outside`).then((r) => r.json())).resolves.toEqual({ ok: true });
    expect(server.hits()).toBe(before + 1);
    expect(connectTarget([{ path: '/tmp/x.sock' }])).toBeUndefined();
    expect(connectTarget([[{ host: 'api.openai.com', port: 443 }, null]])).toEqual({ host: 'api.openai.com', port: 443 });
    expect(connectTarget([5432, 'db'])).toEqual({ host: 'db', port: 5432 });
    expect(connectTarget(['5432'])).toEqual({ host: 'localhost', port: 5432 });
  });
});

describe('passthrough hosts', () => {
  let tcp: Awaited<ReturnType<typeof tcpServer>>;
  beforeAll(async () => {
    tcp = await tcpServer();
  });
  afterAll(() => tcp.close());

  const ping = () =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(tcp.port, '127.0.0.1', () => socket.write('ping\n'));
      socket.on('data', (data) => {
        resolve(data.toString().trim());
        socket.end();
      });
      socket.on('error', reject);
    });

  it('a database-like TCP server listed as host:port keeps working inside a replay scope', async () => {
    const before = tcp.connections();
    await expect(scope('replay', ping, { passthrough: [`127.0.0.1:${tcp.port}`] })).resolves.toBe('pong');
    expect(tcp.connections()).toBe(before + 1);
  });

  it('is refused when not listed (another port of the same host is not enough)', async () => {
    const before = tcp.connections();
    const run = scope('replay', () => ping().catch(() => 'refused'), { passthrough: [`127.0.0.1:${tcp.port + 1}`] });
    await expect(run).rejects.toMatchObject({ reason: 'network-in-replay' });
    await expect(run).rejects.toThrow(`configure({ passthrough: ['127.0.0.1:${tcp.port}'] })`);
    expect(tcp.connections()).toBe(before);
  });
});

describe('the other modes', () => {
  it('records what went through interception, and refuses what bypassed it (it could not be recorded)', async () => {
    const before = server.hits();
    const run = scope('record', async () => {
      const taped = await fetch(`${server.url}/taped`).then((r) => r.json());
      await capturedFetch(`${server.url}/bypass`).catch(() => undefined);
      return taped;
    });
    await expect(run).rejects.toMatchObject({ reason: 'network-unrecorded' });
    expect(server.hits()).toBe(before + 1); // the taped request only
  });

  it('passthrough mode lets a bypassing connection through and counts it live, kept-alive or new', async () => {
    const before = runStats().live;
    const hits = server.hits();
    // The first reuses the connection an earlier test opened outside any scope; the second opens its own.
    await scope('passthrough', () => capturedFetch(`${server.url}/live`).then((r) => r.json()));
    await scope('passthrough', () => undiciRequest(`${server.url}/live`, { dispatcher: new UndiciAgent() }).then((r) => r.body.json()));
    expect(server.hits()).toBe(hits + 2);
    expect(runStats().live).toBe(before + 2);
  });

  it('a kept-alive connection opened outside any scope is refused inside a replay scope (no new connect)', async () => {
    const agent = new UndiciAgent({ keepAliveTimeout: 10_000 });
    await undiciRequest(`${server.url}/warm`, { dispatcher: agent }).then((r) => r.body.text());
    const before = server.hits();
    const run = scope('replay', () => undiciRequest(`${server.url}/reuse`, { dispatcher: agent }).then((r) => r.body.text()).catch(() => 'swallowed'));
    await expect(run).rejects.toMatchObject({ reason: 'network-in-replay' });
    expect(server.hits()).toBe(before);
    await agent.close();
  });

  it('a worker thread started inside a replay scope cannot reach the network either', async () => {
    const before = server.hits();
    const run = scope('replay', () => inWorker(`${server.url}/from-worker`));
    await expect(run).rejects.toMatchObject({ reason: 'network-in-replay' });
    expect(server.hits()).toBe(before);
  });
});

describe('cheap, single misses under SDK retries', () => {
  /** Records `ask('recorded')`, then replays `ask('changed')`: the miss, and how long it took. */
  async function missAfterRecording(ask: (content: string) => Promise<unknown>): Promise<{ error: Error | undefined; ms: number }> {
    const path = join(dir, `miss-${n++}.json`);
    await withCassette({ path, mode: 'auto', ...quiet }, () => ask('recorded'));
    const started = performance.now();
    const error = await withCassette({ path, mode: 'replay', ...quiet }, () => ask('changed')).then(
      () => undefined,
      (e: Error) => e,
    );
    return { error, ms: performance.now() - started };
  }

  // Clients are built inside each scope: this suite starts interception per scope, not at import as the
  // adapters do. Both use their default retries (2, with about 0.5 s and 1 s of backoff).
  it.each([
    [
      'openai',
      startOpenAIFake,
      (url: string) => (content: string) => new OpenAI({ apiKey: 'test', baseURL: `${url}/v1` }).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content }] }),
    ],
    [
      '@anthropic-ai/sdk',
      startAnthropicFake,
      (url: string) => (content: string) =>
        new Anthropic({ apiKey: 'test', baseURL: url }).messages.create({ model: 'claude-x', max_tokens: 16, messages: [{ role: 'user', content }] }),
    ],
  ] as const)('%s gets one answer it does not retry, and the miss is reported once with its explanation', async (_sdk, start, client) => {
    const llm = await start();
    try {
      const { error, ms } = await missAfterRecording(client(llm.url));
      expect(error).toMatchObject({ reason: 'cassette-miss' });
      expect(error?.message).not.toMatch(/more problem/);
      // The SDK's own error carries tapedeck's explanation, so even code that only logs it shows the cause.
      expect((error?.cause as Error | undefined)?.message).toMatch(/599 .*tapedeck: cassette-miss/);
      // Not a speed assertion: a guard against the SDKs' retry backoff, which alone takes 1.5 s.
      expect(ms).toBeLessThan(1000);
      expect(llm.hits()).toBe(1); // the recording only
    } finally {
      await llm.close();
    }
  });
});

describe('a truthful summary', () => {
  it('counts drift, and keeps a refused connection\'s cause', async () => {
    let answer = 1;
    const api = await startServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ answer }));
    });
    try {
      const path = join(dir, 'drift.json');
      const get = () => fetch(`${api.url}/a`).then((r) => r.json());
      await withCassette({ path, mode: 'auto', ...quiet }, get);
      answer = 2;
      const before = runStats().drift;
      await expect(withCassette({ path, mode: 'verify', ...quiet }, get)).rejects.toMatchObject({ reason: 'drift' });
      expect(runStats().drift).toBe(before + 1);
    } finally {
      await api.close();
    }
    const port = await deadPort();
    const failure = await withCassette({ path: join(dir, 'refused.json'), mode: 'auto', ...quiet }, () =>
      fetch(`http://127.0.0.1:${port}/`).then(
        () => undefined,
        (e: Error) => e,
      ),
    );
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure?.cause as NodeJS.ErrnoException | undefined)?.code).toBe('ECONNREFUSED');
  });
});

async function tcpServer(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const srv: Server = createServer((socket) => {
    count++;
    socket.on('data', () => socket.write('pong\n'));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    port: (srv.address() as AddressInfo).port,
    connections: () => count,
    close: () => new Promise<void>((resolve) => srv.close(() => resolve())),
  };
}

/** Runs a fetch in a worker thread and resolves with its outcome (the worker swallows failures). */
function inWorker(url: string): Promise<string> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    fetch(workerData).then((r) => r.text(), (e) => 'failed: ' + (e.cause?.message ?? e.message)).then((m) => parentPort.postMessage(m));
  `;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: url });
    worker.once('message', (m: string) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}
