// One HTTP variant, in its own process: sends sequential requests with one client and prints the time of
// each (µs). Run by bench/http.ts; usage: node --import tsx bench/http-worker.ts '<WorkerInput JSON>'.
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { startProfile, type Profile } from './lib/profile.js';
import { input, reply } from './lib/child.js';
import { cjsDefault } from './lib/cjs.js';
import { sseEvents, weatherBody, weatherPath } from './lib/server.js';
import { abbaArm, shuffled } from './lib/stats.js';

/** Which interception a worker sets up. */
export type Variant =
  | 'live'
  | 'msw-min'
  | 'msw-static'
  | 'tapedeck'
  | 'nock-back'
  | 'polly'
  | 'interceptors-min'
  | 'tapedeck-msw-server'
  | 'tapedeck-unsealed'

export interface WorkerInput {
  variant: Variant;
  client: 'fetch' | 'http';
  /** `json`: GET /weather, small JSON; `sse`: GET /stream, 200 events read to the end. */
  kind: 'json' | 'sse';
  origin: string;
  warmup: number;
  iterations: number;
  /** Folder of the prepared cassettes / fixtures / recordings. */
  fixtures: string;
  /** Entries in the cassette (tapedeck, nock.back, Polly.js); 1 means a fresh one-entry scope per request. */
  entries?: number;
  /** Polly.js adapter. */
  adapter?: 'fetch' | 'node-http';
  /** Write a CPU profile of the measured requests only (not start-up or warm-up) to this file. */
  profile?: string;
  /** Run the requests inside `AsyncLocalStorage.run`, as tapedeck's routing does (msw variants). */
  als?: boolean;
}

export interface WorkerOutput {
  samples: number[];
  /**
   * `tapedeck-unsealed`: the same requests with the seal on, interleaved with those in `samples` (seal off)
   * in the same process, A B B A: what the seal costs, without the spread between processes.
   */
  sealedSamples?: number[];
  /** Requests whose answer was wrong (must be 0), and what the first one got. */
  wrong: number;
  firstWrong?: string;
}

const spec = input<WorkerInput>();
const agent = new http.Agent({ keepAlive: true });
const events = sseEvents();
const sseText = events.map((d) => `data: ${d}\n\n`).join('');
const noop = () => undefined;

/** A client call: resolves to the parsed JSON body, or the stream's text. */
type Send = (path: string) => Promise<{ status: number; body: unknown }>;

const sendFetch: Send = async (path) => {
  const response = await fetch(spec.origin + path);
  if (spec.kind === 'json') return { status: response.status, body: await response.json() };
  // Read a stream the way SDKs do: chunk by chunk, decoded as it arrives.
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return { status: response.status, body: text };
};

const sendHttp: Send = (path) =>
  new Promise((resolve, reject) => {
    // `http.get` is read at call time, so the patches msw, nock and Polly.js put on the module apply.
    const request = http.get(spec.origin + path, { agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, body: spec.kind === 'json' ? JSON.parse(raw) : raw });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
  });

const send = spec.client === 'fetch' ? sendFetch : sendHttp;

/** The answer a request must get: the recorded one for replays, the handler's constant for msw. */
function expected(i: number): unknown {
  if (spec.kind === 'sse') return sseText;
  const constant = spec.variant === 'msw-min' || spec.variant === 'msw-static' || spec.variant === 'interceptors-min';
  return weatherBody(constant ? 'c0' : `c${i}`);
}

/** How a variant runs: the request order, the scope around the whole run and around each request. */
interface Plan {
  order: number[];
  /** Runs the whole loop (tapedeck: inside one cassette scope). */
  all?: (loop: () => Promise<void>) => Promise<void>;
  /** Runs one request (tapedeck with a one-entry cassette: a fresh scope each time). */
  each?: (request: () => Promise<void>) => Promise<void>;
  close: () => Promise<void> | void;
}

async function setup(): Promise<Plan> {
  const total = spec.warmup + spec.iterations;
  const sequential = Array.from({ length: total }, () => 0);
  switch (spec.variant) {
    case 'live':
      return { order: sequential, close: noop };
    case 'msw-min':
    case 'msw-static': {
      const { http: mswHttp, HttpResponse } = await import('msw');
      const { setupServer } = await import('msw/node');
      const body = weatherBody('c0');
      const text = spec.kind === 'json' ? JSON.stringify(body) : sseText;
      const type = spec.kind === 'json' ? 'application/json' : 'text/event-stream';
      const encoder = new TextEncoder();
      const handler =
        spec.variant === 'msw-min'
          ? // msw's floor: one catch-all handler, a pre-serialized body.
            mswHttp.all('*', () => new Response(text, { headers: { 'content-type': type } }))
          : spec.kind === 'json'
            ? mswHttp.get(`${spec.origin}/weather`, () => HttpResponse.json(body))
            : // msw's documented way to stream: a ReadableStream enqueuing one event per chunk.
              mswHttp.get(`${spec.origin}/stream`, () => {
                const stream = new ReadableStream({
                  start(controller) {
                    for (const data of events) controller.enqueue(encoder.encode(`data: ${data}\n\n`));
                    controller.close();
                  },
                });
                return new HttpResponse(stream, { headers: { 'content-type': type } });
              });
      const server = setupServer(handler);
      server.listen({ onUnhandledRequest: 'error' });
      // An active AsyncLocalStorage turns on Node 20's promise hooks for every promise the request makes.
      const all = spec.als === true ? (loop: () => Promise<void>) => new AsyncLocalStorage().run({}, loop) : undefined;
      return { order: sequential, ...(all === undefined ? {} : { all }), close: () => server.close() };
    }
    case 'tapedeck':
    case 'tapedeck-unsealed':
    case 'tapedeck-msw-server': {
      const { installHttp, withCassette } = await import('../src/index.js');
      const { setSealEnabled } = await import('../src/http/seal.js');
      if (spec.variant === 'tapedeck-unsealed') {
        // The same replay with the network seal off and on, a scope per request, A B B A in one process:
        // the difference is what the seal costs a request.
        const options = { path: join(spec.fixtures, 'tapedeck-1.json'), mode: 'replay' as const, onWarning: noop };
        const release = installHttp();
        let n = 0;
        const each = (request: () => Promise<void>) => {
          sealedArm = abbaArm(n++);
          setSealEnabled(sealedArm);
          return withCassette(options, request);
        };
        return { order: sequential, each, close: () => release() };
      }
      const entries = spec.entries ?? 1;
      const file = join(spec.fixtures, spec.kind === 'sse' ? 'tapedeck-sse.json' : `tapedeck-${entries}.json`);
      // What the adapters do on import: hold interception for the whole file, not per test.
      const release = installHttp();
      let mswServer: { close(): void; listen(o: object): void; use(...h: unknown[]): void; listHandlers(): readonly unknown[]; resetHandlers(...h: unknown[]): void } | undefined;
      if (spec.variant === 'tapedeck-msw-server') {
        // A user's own (empty) msw server, passed to tapedeck: replays go through msw's handler pipeline.
        mswServer = (await import('msw/node')).setupServer();
        mswServer.listen({ onUnhandledRequest: 'error' });
      }
      const options = { path: file, mode: 'replay' as const, onWarning: noop, ...(mswServer === undefined ? {} : { mswServer }) };
      const close = async () => {
        mswServer?.close();
        await release();
      };
      // A cassette holds one recording per call: a fresh scope per request replays the same entry again.
      if (entries === 1) return { order: sequential, each: (request) => withCassette(options, request), close };
      // One scope for the whole run; requests hit the entries in a shuffled order.
      return { order: shuffled(entries).slice(0, total), all: (loop) => withCassette(options, loop), close };
    }
    case 'interceptors-min': {
      const { installInterceptorsFloor } = await import('./interceptors-floor.js');
      const close = await installInterceptorsFloor(spec.kind === 'json' ? JSON.stringify(weatherBody('c0')) : sseText, spec.kind === 'json' ? 'application/json' : 'text/event-stream');
      return { order: sequential, close };
    }
    case 'nock-back': {
      const { default: nock } = await import('nock');
      nock.back.fixtures = spec.fixtures;
      nock.back.setMode('lockdown');
      const { nockDone } = await nock.back(`nock-${spec.entries}.json`);
      return {
        order: shuffled(spec.entries!).slice(0, total),
        close: () => {
          nockDone();
          nock.restore();
        },
      };
    }
    case 'polly': {
      const { Polly } = await import('@pollyjs/core');
      const FSPersister = cjsDefault(await import('@pollyjs/persister-fs'));
      const Adapter = spec.adapter === 'fetch' ? cjsDefault(await import('@pollyjs/adapter-fetch')) : cjsDefault(await import('@pollyjs/adapter-node-http'));
      Polly.register(Adapter);
      Polly.register(FSPersister);
      const polly = new Polly(`polly-${spec.entries}`, {
        adapters: [spec.adapter!],
        adapterOptions: { fetch: { context: globalThis } },
        persister: 'fs',
        persisterOptions: { fs: { recordingsDir: join(spec.fixtures, 'polly') } },
        mode: 'replay',
        recordIfMissing: false,
        logLevel: 'silent',
        matchRequestsBy: { headers: false, order: false },
      });
      return { order: shuffled(spec.entries!).slice(0, total), close: () => polly.stop() };
    }
  }
}

let wrong = 0;
let firstWrong: string | undefined;
/** Whether the request being timed is in the sealed arm (`tapedeck-unsealed` only). */
let sealedArm = false;
const plan = await setup();
const samples: number[] = [];
const sealedSamples: number[] = [];
const path = (i: number) => (spec.kind === 'sse' ? '/stream' : weatherPath(i));
const each = plan.each ?? ((request: () => Promise<void>) => request());
let profiler: Profile | undefined;
await (plan.all ?? ((loop: () => Promise<void>) => loop()))(async () => {
  for (let n = 0; n < plan.order.length; n++) {
    const i = plan.order[n]!;
    if (n === spec.warmup && spec.profile !== undefined) {
      profiler = await startProfile(spec.profile);
    }
    await each(async () => {
      const start = performance.now();
      const { status, body } = await send(path(i));
      const us = (performance.now() - start) * 1000;
      // Key order is not compared: a cassette stores JSON with sorted keys.
      if (status !== 200 || !isDeepStrictEqual(body, expected(i))) {
        firstWrong ??= `request ${i}: got ${status} ${JSON.stringify(body).slice(0, 200)}, expected ${JSON.stringify(expected(i)).slice(0, 200)}`;
        wrong++;
      }
      if (n >= spec.warmup) (sealedArm ? sealedSamples : samples).push(us);
    });
  }
});
await profiler?.stop();
await plan.close();
agent.destroy();
reply({ samples, wrong, ...(sealedSamples.length === 0 ? {} : { sealedSamples }), ...(firstWrong === undefined ? {} : { firstWrong }) } satisfies WorkerOutput);
