// A low-noise model of the openai suite's cold path (issue 17): one process, V8 held to its first tiers
// (`--max-opt=1`: interpreter and Sparkplug, what tests 2-10 of a fresh worker mostly run in), a loop of
// tests of 3 openai calls each, A/B interleaved: tapedeck replay (withCassette, CI) vs the hand mock inside
// AsyncLocalStorage#run vs the plain hand mock. Prints median µs per test and the ratios.
//   node --max-opt=1 --import tsx bench/cold-model.ts [--tests=200] [--rounds=5]
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import OpenAI from 'openai';
import { installHttp, withCassette } from '../dist/index.js';
import { chatCompletion, chatRequest } from './lib/openai.js';
import { startBenchServer } from './lib/server.js';
import { median } from './lib/stats.js';

const args = process.argv.slice(2);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const tests = Number(option('tests') ?? 200);
const rounds = Number(option('rounds') ?? 5);
const only = option('only');
const calls = Number(option('calls') ?? 3);
const release = await installHttp();
const server = await startBenchServer();
const dir = await mkdtemp(join(tmpdir(), 'tapedeck-cold-model-'));
const options = { apiKey: 'sk-bench-placeholder', baseURL: `http://127.0.0.1:${server.port}/v1`, maxRetries: 0 };
const client = new OpenAI(options);
const text = JSON.stringify(chatCompletion);
const hand = new OpenAI({ ...options, fetch: async () => new Response(text, { headers: { 'content-type': 'application/json' } }) });
const als = new AsyncLocalStorage();
const body = (c: OpenAI, i: number) => async () => {
  for (let call = 0; call < calls; call++) {
    const messages = [...chatRequest.messages.slice(0, 1), { role: 'user' as const, content: `Weather in city ${i}-${call}?` }];
    const answer = await c.chat.completions.create({ ...chatRequest, messages });
    if (answer.choices[0]!.message.content !== chatCompletion.choices[0]!.message.content) throw new Error('wrong answer');
  }
};
const path = (i: number) => join(dir, `test ${i}.json`);
try {
  for (let i = 0; i < tests; i++) await withCassette({ path: path(i), mode: 'record' }, body(client, i));
  const recorded = server.hits();
  const variants = {
    tapedeck: (i: number) => withCassette({ path: path(i), mode: 'replay' }, body(client, i)),
    'hand-als': (i: number) => als.run({ test: i }, body(hand, i)),
    hand: (i: number) => body(hand, i)(),
  };
  const times: Record<string, number[]> = { tapedeck: [], 'hand-als': [], hand: [] };
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(variants)) {
      if (only !== undefined && name !== only) continue;
      const each: number[] = [];
      for (let i = 0; i < tests; i++) {
        const start = performance.now();
        await run(i);
        each.push(performance.now() - start);
      }
      times[name]!.push(median(each) * 1000);
    }
  }
  if (server.hits() !== recorded) throw new Error(`replay reached the server ${server.hits() - recorded} times`);
  if (only !== undefined) {
    console.log(`${only}: ${median(times[only]!).toFixed(0)} µs per test`);
  } else {
  const base = median(times.hand!);
  for (const [name, t] of Object.entries(times)) console.log(`${name.padEnd(9)} ${median(t).toFixed(0).padStart(6)} µs per test  ${(median(t) / base).toFixed(2)}x  (rounds: ${t.map((x) => x.toFixed(0)).join(' ')})`);
  console.log(`tapedeck / hand-als: ${(median(times.tapedeck!) / median(times['hand-als']!)).toFixed(2)}x`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
  await server.stop();
  await release?.();
}
