// Tokens replayed instead of spent, counted from what the real SDKs received, streaming and not.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { withCassette, type Mode } from '../../src/index.js';
import { formatSummary, runStats, statsSince } from '../../src/report.js';
import { startAnthropicFake, startOpenAIFake } from '../helpers/llm-fakes.js';
import type { LoopbackServer } from '../helpers/server.js';

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const quiet = { onWarning: () => undefined } as const;

/** Runs `fn` in a cassette at `path` and returns what it gave back and the run counters it added. */
async function counted<T>(path: string, mode: Mode, fn: () => Promise<T>) {
  const start = runStats();
  const verifyIgnore = ['body.json.id', 'body.json.created', 'body.sse.*.id', 'body.sse.*.created'];
  const value = await withCassette({ path, mode, verifyIgnore, ...quiet }, fn);
  return { value, stats: statsSince(start) };
}

describe('tokens replayed', () => {
  it('counts OpenAI usage per model from replayed completions, JSON and streamed, and not from live calls', async () => {
    server = await startOpenAIFake();
    const base = server.url;
    const path = join(await mkdtemp(join(tmpdir(), 'tapedeck-usage-')), 'openai.json');
    const agent = async () => {
      // Built inside the cassette: an SDK client takes `fetch` when constructed (see installHttp).
      const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${base}/v1`, maxRetries: 0 });
      const plain = await openai.chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] });
      const stream = await openai.chat.completions.create({
        model: 'gpt-fake',
        messages: [{ role: 'user', content: 'q' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let streamed: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) streamed = chunk.usage ?? streamed;
      return [plain.usage, streamed];
    };

    const recorded = await counted(path, 'record', agent);
    expect(recorded.stats).toMatchObject({ recorded: 2, replayed: 0, tokens: {} });
    const verified = await counted(path, 'verify', agent);
    expect(verified.stats).toMatchObject({ live: 2, replayed: 0, tokens: {} }); // verify spends the tokens

    await server.close();
    server = undefined;
    const replayed = await counted(path, 'replay', agent);
    const [plain, streamed] = replayed.value;
    // What tapedeck counted is what the SDK itself read from the replayed responses.
    expect(plain).toMatchObject({ prompt_tokens: 9, completion_tokens: 7 });
    expect(streamed).toMatchObject({ prompt_tokens: 9, completion_tokens: 4 });
    expect(replayed.stats.tokens).toEqual({ 'gpt-fake': { input: 18, output: 11, calls: 2 } });
    expect(formatSummary(replayed.stats)).toBe(
      'tapedeck: 1 cassette, 2 replayed, 0 recorded, 0 live, 0 misses, 0 unused, 0 written, tokens replayed: gpt-fake 18 in / 11 out',
    );
  });

  it('counts Anthropic usage from replayed messages, JSON and streamed (message_start + message_delta)', async () => {
    server = await startAnthropicFake();
    const base = server.url;
    const path = join(await mkdtemp(join(tmpdir(), 'tapedeck-usage-')), 'anthropic.json');
    const agent = async () => {
      const anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: base, maxRetries: 0 });
      const plain = await anthropic.messages.create({ model: 'claude-fake', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }] });
      const streamed = await anthropic.messages.stream({ model: 'claude-fake-2', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }] }).finalMessage();
      return [plain.usage, streamed.usage];
    };
    await counted(path, 'record', agent);
    await server.close();
    server = undefined;

    const replayed = await counted(path, 'replay', agent);
    const [plain, streamed] = replayed.value;
    expect(plain).toMatchObject({ input_tokens: 12, output_tokens: 4 });
    expect(streamed).toMatchObject({ input_tokens: 12, output_tokens: 3 }); // message_delta's count is the final one
    expect(replayed.stats.tokens).toEqual({
      'claude-fake': { input: 12, output: 4, calls: 1 },
      'claude-fake-2': { input: 12, output: 3, calls: 1 },
    });
    expect(formatSummary(replayed.stats)).toMatch(/, 0 written, tokens replayed: claude-fake 12 in \/ 4 out; claude-fake-2 12 in \/ 3 out$/);
    // The run's totals hold the same numbers, and a copy handed out cannot change them.
    const copy = runStats();
    copy.tokens!['claude-fake']!.input = -1;
    expect(runStats().tokens!['claude-fake']!.input).toBeGreaterThan(0);
  });
});
