// Tokens replayed instead of spent, counted from what the real SDKs received, streaming and not.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { withCassette, type Mode } from '../../src/index.js';
import { formatSummary, runStats, statsSince } from '../../src/report.js';
import { startAnthropicFake, startGeminiFake, startOpenAIFake, startResponsesFake } from '../helpers/llm-fakes.js';
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

  it('counts OpenAI Responses API usage as the openai SDK reads it, JSON and streamed (response.completed)', async () => {
    server = await startResponsesFake();
    const base = server.url;
    const path = join(await mkdtemp(join(tmpdir(), 'tapedeck-usage-')), 'responses.json');
    const agent = async () => {
      const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${base}/v1`, maxRetries: 0 });
      const plain = await openai.responses.create({ model: 'gpt-resp', input: 'what is 6*7?' });
      const stream = openai.responses.stream({ model: 'gpt-resp-mini', input: 'what is 6*7?' });
      const final = await stream.finalResponse();
      return [plain.output_text, plain.usage, final.output_text, final.usage];
    };
    const live = await counted(path, 'record', agent);
    await server.close();
    server = undefined;
    const replayed = await counted(path, 'replay', agent);
    expect(replayed.value).toEqual(live.value);
    const [text, plain, streamedText, streamed] = replayed.value as [string, OpenAI.Responses.ResponseUsage, string, OpenAI.Responses.ResponseUsage];
    expect([text, streamedText]).toEqual(['Forty-two.', 'Forty-two.']);
    expect(plain).toMatchObject({ input_tokens: 21, output_tokens: 5 });
    expect(streamed).toMatchObject({ input_tokens: 21, output_tokens: 5 });
    // The model is the one the response names (the dated version), as the SDK reports it.
    expect(replayed.stats.tokens).toEqual({
      'gpt-resp-2026-01-01': { input: 21, output: 5, calls: 1 },
      'gpt-resp-mini-2026-01-01': { input: 21, output: 5, calls: 1 },
    });
  });

  it('counts Gemini usage as @google/genai reads it, JSON and streamed (thoughts billed as output)', async () => {
    server = await startGeminiFake();
    const base = server.url;
    const path = join(await mkdtemp(join(tmpdir(), 'tapedeck-usage-')), 'gemini.json');
    const agent = async () => {
      const ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: base } });
      const plain = await ai.models.generateContent({ model: 'gemini-fake', contents: 'what is 6*7?' });
      let streamedText = '';
      let streamed: unknown;
      for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-fake-flash', contents: 'what is 6*7?' })) {
        streamedText += chunk.text ?? '';
        streamed = chunk.usageMetadata ?? streamed;
      }
      return [plain.text, plain.usageMetadata, streamedText, streamed];
    };
    const live = await counted(path, 'record', agent);
    await server.close();
    server = undefined;
    const replayed = await counted(path, 'replay', agent);
    expect(replayed.value).toEqual(live.value);
    const [text, plain, streamedText, streamed] = replayed.value as [string, object, string, object];
    expect([text, streamedText]).toEqual(['Forty-two.', 'Forty-two.']);
    expect(plain).toMatchObject({ promptTokenCount: 8, candidatesTokenCount: 4, thoughtsTokenCount: 6 });
    expect(streamed).toMatchObject({ promptTokenCount: 8, candidatesTokenCount: 3 });
    expect(replayed.stats.tokens).toEqual({
      'gemini-fake-001': { input: 8, output: 10, calls: 1 },
      'gemini-fake-flash-001': { input: 8, output: 3, calls: 1 },
    });
    // And the key is never in the cassette: @google/genai sends it as x-goog-api-key.
    expect(await readFile(path, 'utf8')).not.toContain('test-key');
  });
});
