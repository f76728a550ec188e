// One OpenAI variant, in its own process: sequential warm `chat.completions.create` calls with the real
// openai SDK, printing the time of each (µs). Run by bench/openai.ts; usage:
// node --import tsx bench/openai-worker.ts '<OpenAIWorkerInput JSON>'.
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { startProfile, type Profile } from './lib/profile.js';
import { input, reply } from './lib/child.js';
import { AB_BLOCK, chatCompletion, chatCompletionText, chatRequest, CHAT_PATH } from './lib/openai.js';
import { abbaArm } from './lib/stats.js';

/**
 * `hand`: the anchor, `new OpenAI({ fetch: async () => new Response(json) })`; `floor`: a bare
 * @mswjs/interceptors listener; `msw-static`: an msw `http.post` handler; `tapedeck`: replay of a
 * recorded cassette (`record` writes it from the live server); `tapedeck-unsealed`: the same replay with
 * the network seal off; `live`: the loopback server.
 */
export type OpenAIVariant = 'hand' | 'floor' | 'msw-static' | 'tapedeck' | 'tapedeck-unsealed' | 'tapedeck-interceptors' | 'record' | 'live';

export interface OpenAIWorkerInput {
  variant: OpenAIVariant;
  origin: string;
  /** The cassette `record` writes and the tapedeck variants replay; it holds warmup + iterations calls. */
  cassette: string;
  warmup: number;
  iterations: number;
  /** Write a CPU profile of the measured calls only (not start-up or warm-up) to this file. */
  profile?: string;
}

export interface OpenAIWorkerOutput {
  samples: number[];
  /**
   * `tapedeck-unsealed`: the same calls with the seal on, in scopes of {@link AB_BLOCK} calls interleaved
   * with those in `samples` (seal off) in the same process, A B B A: what the seal costs, without the
   * spread between processes.
   */
  sealedSamples?: number[];
  wrong: number;
  firstWrong?: string;
}

const spec = input<OpenAIWorkerInput>();
const total = spec.warmup + spec.iterations;
const noop = () => undefined;
/** Whether the call being timed is in the sealed arm (`tapedeck-unsealed` only). */
let sealedArm = false;
const headers = { 'content-type': 'application/json' };
// maxRetries 0: a wrong answer must show, not be retried; the key is a placeholder the server never checks.
const options = { apiKey: 'sk-bench-placeholder', baseURL: `${spec.origin}/v1`, maxRetries: 0 };

// A hand-mocked client brings its own fetch; every other client is built after interception started,
// as a test file does (an SDK captures `fetch` when built).
let handFetch: typeof fetch | undefined;
let scope: (loop: () => Promise<void>) => Promise<void> = (loop) => loop();
/** `tapedeck-unsealed`: a scope per block of calls, the seal on or off by block. */
let blocks: ((block: number, loop: () => Promise<void>) => Promise<void>) | undefined;
let close: () => Promise<void> | void = noop;
switch (spec.variant) {
  case 'live':
    break;
  case 'hand':
    handFetch = async () => new Response(chatCompletionText, { headers });
    break;
  case 'floor': {
    const { installInterceptorsFloor } = await import('./interceptors-floor.js');
    close = await installInterceptorsFloor(chatCompletionText, 'application/json');
    break;
  }
  case 'msw-static': {
    const { http, HttpResponse } = await import('msw');
    const { setupServer } = await import('msw/node');
    const server = setupServer(http.post(`${spec.origin}${CHAT_PATH}`, () => HttpResponse.json(chatCompletion)));
    server.listen({ onUnhandledRequest: 'error' });
    close = () => server.close();
    break;
  }
  case 'record':
  case 'tapedeck':
  case 'tapedeck-unsealed':
  case 'tapedeck-interceptors': {
    const { installHttp, withCassette } = await import('../src/index.js');
    const { setSealEnabled } = await import('../src/http/seal.js');
    if (spec.variant === 'tapedeck-interceptors') (await import('../src/http/fetch-front.js')).setFrontEnabled(false);
    // What the adapters do on import: hold interception for the whole file, not per test.
    const release = installHttp();
    const mode = spec.variant === 'record' ? ('record' as const) : ('replay' as const);
    const options = { path: spec.cassette, mode, onWarning: noop };
    if (spec.variant === 'tapedeck-unsealed') {
      // Blocks A B B A: seal off, on, on, off, ... Each scope replays the cassette's first calls again.
      blocks = (block, loop) => {
        sealedArm = abbaArm(block);
        setSealEnabled(sealedArm);
        return withCassette(options, loop);
      };
    }
    // One scope for the whole run: the same request recorded `total` times replays in recorded order.
    scope = (loop) => withCassette(options, loop);
    close = () => release();
    break;
  }
}

const client = new OpenAI(handFetch === undefined ? options : { ...options, fetch: handFetch });
const samples: number[] = [];
const sealedSamples: number[] = [];
let wrong = 0;
let firstWrong: string | undefined;
const expected = chatCompletion.choices[0]!.message.content;
let profiler: Profile | undefined;
const timedCall = async (n: number) => {
  if (n === spec.warmup && spec.profile !== undefined) {
    profiler = await startProfile(spec.profile);
  }
  const start = performance.now();
  const completion = await client.chat.completions.create(chatRequest);
  const us = (performance.now() - start) * 1000;
  const got = completion.choices[0]?.message.content;
  if (completion.id !== chatCompletion.id || got !== expected) {
    firstWrong ??= `call ${n}: got ${JSON.stringify(completion).slice(0, 300)}`;
    wrong++;
  }
  if (n >= spec.warmup) (sealedArm ? sealedSamples : samples).push(us);
};
if (blocks === undefined) {
  await scope(async () => {
    for (let n = 0; n < total; n++) await timedCall(n);
  });
} else {
  for (let block = 0; block * AB_BLOCK < total; block++) {
    await blocks(block, async () => {
      for (let n = block * AB_BLOCK; n < Math.min(total, (block + 1) * AB_BLOCK); n++) await timedCall(n);
    });
  }
}
await profiler?.stop();
await close();
// The variant measured the path it names: the front answered every replayed call, or none of them.
if (spec.variant.startsWith('tapedeck')) {
  const front = (await import('../src/http/fetch-front.js')).frontAnswers();
  const expectedFront = spec.variant === 'tapedeck-interceptors' ? 0 : total;
  if (front !== expectedFront) throw new Error(`openai ${spec.variant}: the fetch front answered ${front} calls, expected ${expectedFront}`);
}
reply({ samples, wrong, ...(sealedSamples.length === 0 ? {} : { sealedSamples }), ...(firstWrong === undefined ? {} : { firstWrong }) } satisfies OpenAIWorkerOutput);
