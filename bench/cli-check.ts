// How long `tapedeck check` takes on 1,000 realistic cassettes (issue 5: "fast enough for a pre-commit
// hook"). Generates them in a temp folder with the core API, then times the built bin end to end
// (Node start-up included), as a hook would run it. Usage: npm run build && node --import tsx bench/cli-check.ts [count]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolCallCassette } from '../src/cassette.js';

const count = Number(process.argv[2] ?? 1000);
const testsPerFile = 10;
const root = join(import.meta.dirname, '..');
const bin = join(root, 'dist', 'cli.js');
if (!existsSync(bin)) throw new Error('dist/cli.js is missing: run `npm run build` first');

const SYSTEM_PROMPT =
  'You are a travel assistant. Use the tools to look up weather, convert currencies and search the web. ' +
  'Always cite the tool you used, answer in the user\'s language, never invent numbers. '.repeat(6);
const CITIES = ['SFO', 'NYC', 'LHR', 'CDG', 'NRT', 'SYD', 'GRU', 'JNB', 'BOM', 'YYZ'];

/** A small pseudo-random generator, so every run of the bench measures the same files. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

function cassette(n: number): ToolCallCassette {
  const rand = rng(n + 1);
  const c = new ToolCallCassette();
  const messages: unknown[] = [{ role: 'system', content: SYSTEM_PROMPT }, { role: 'user', content: `Plan day ${n}: weather and budget?` }];
  const turns = 1 + Math.floor(rand() * 3);
  for (let turn = 0; turn < turns; turn++) {
    const city = CITIES[Math.floor(rand() * CITIES.length)]!;
    const weather = { city, temp_f: 40 + Math.floor(rand() * 50), conditions: rand() > 0.5 ? 'sunny' : 'overcast', hourly: Array.from({ length: 24 }, (_, h) => ({ h, t: 40 + Math.floor(rand() * 50) })) };
    c.record({ toolId: 'weather.get', args: [{ city, units: 'f' }], output: weather });
    c.record({ toolId: 'fx.convert', args: [{ from: 'USD', to: 'EUR', amount: Math.round(rand() * 1000) }], output: { rate: 0.9 + rand() / 10 } });
    if (rand() > 0.6) c.record({ toolId: 'search.web', args: [`things to do in ${city}`], output: Array.from({ length: 5 }, (_, i) => ({ title: `Result ${i} for ${city}`, url: `https://example.com/${city}/${i}`, snippet: 'Lorem ipsum dolor sit amet, '.repeat(4) })) });
    messages.push({ role: 'tool', tool_call_id: `call_${n}_${turn}`, content: JSON.stringify(weather) });
    const body = { model: 'gpt-4o-mini', messages: structuredClone(messages), tools: [{ type: 'function', function: { name: 'weather_get', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }], stream: rand() > 0.5 };
    const answer = `In ${city} it is ${weather.temp_f}F and ${weather.conditions}. `.repeat(3);
    const response = body.stream
      ? { status: 200, statusText: 'OK', headers: { 'content-type': 'text/event-stream' }, body: { sse: answer.split(' ').map((word, i) => ({ data: JSON.stringify({ id: `chatcmpl-${n}`, choices: [{ index: 0, delta: { content: `${word} ` } }], i }) })) } }
      : { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json', authorization: '[REDACTED]' }, body: { json: { id: `chatcmpl-${n}-${turn}`, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }], usage: { prompt_tokens: 812, completion_tokens: 64 } } } };
    c.record({ toolId: 'http:POST https://api.openai.com/v1/chat/completions', args: { query: {}, body }, output: response });
    messages.push({ role: 'assistant', content: answer });
  }
  c.setSignature('weather.get', 'ab'.repeat(32));
  c.updateMeta({ tapedeck: '0.1.0', recordedAt: '2026-11-23T10:00:00.000Z', environment: { node: 'v20.20.2', platform: 'linux-x64', packages: { openai: '6.49.0' } } });
  return c;
}

const dir = await mkdtemp(join(tmpdir(), 'tapedeck-bench-check-'));
try {
  let bytes = 0;
  for (let file = 0; file < count / testsPerFile; file++) {
    const folder = join(dir, 'src', `feature-${file % 10}`, '__cassettes__', `agent-${file}.test.ts`);
    await mkdir(folder, { recursive: true });
    for (let t = 0; t < testsPerFile; t++) {
      const text = cassette(file * testsPerFile + t).serialize();
      bytes += Buffer.byteLength(text);
      await writeFile(join(folder, `agent › plans day ${t}.json`), text);
    }
  }
  const runs: number[] = [];
  let output = '';
  for (let i = 0; i < 5; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [bin, 'check', dir], { encoding: 'utf8' });
    runs.push(Number(process.hrtime.bigint() - start) / 1e6);
    output = result.stdout.trim();
    if (result.status !== 0) throw new Error(`check failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  }
  runs.sort((a, b) => a - b);
  const startup = spawnSync(process.execPath, [bin, '--version']);
  if (startup.status !== 0) throw new Error('dist/cli.js --version failed');
  const t0 = process.hrtime.bigint();
  spawnSync(process.execPath, [bin, '--version']);
  const startupMs = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(output);
  console.log(
    `tapedeck check on ${count} cassettes (${(bytes / 1024 / 1024).toFixed(1)} MB): ` +
      `median ${runs[2]!.toFixed(0)} ms, min ${runs[0]!.toFixed(0)} ms, max ${runs[4]!.toFixed(0)} ms over 5 runs ` +
      `(node start-up alone: ${startupMs.toFixed(0)} ms)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
