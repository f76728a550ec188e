import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { withCassette, type Mode } from '../../src/index.js';
import { startAnthropicFake, startOpenAIFake } from '../helpers/llm-fakes.js';
import type { LoopbackServer } from '../helpers/server.js';

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const quiet = { onWarning: () => undefined } as const;
const OPENAI_KEY = 'sk-proj-liveRecordingKey0123456789abcdef';
const ANTHROPIC_KEY = 'sk-ant-api03-liveRecordingKey0123456789';

/** Records `run` against a fake, stops the fake, replays it with a different key: both results. */
async function roundTrip<T>(start: () => Promise<LoopbackServer>, run: (base: string, key: 'record' | 'replay') => Promise<T>) {
  server = await start();
  const base = server.url;
  const path = join(await mkdtemp(join(tmpdir(), 'tapedeck-sdk-')), 'c.json');
  const tape = (mode: Mode, key: 'record' | 'replay') => withCassette({ path, mode, ...quiet }, () => run(base, key));
  const live = await tape('auto', 'record');
  const hits = server.hits();
  await server.close();
  server = undefined;
  const replayed = await tape('replay', 'replay');
  return { live, replayed, hits, text: await readFile(path, 'utf8') };
}

describe('the real openai SDK', () => {
  const client = (base: string, key: 'record' | 'replay') =>
    new OpenAI({ apiKey: key === 'record' ? OPENAI_KEY : 'sk-proj-aDifferentCiKey9876543210zyxwv', baseURL: `${base}/v1`, maxRetries: 0 });

  it('replays chat completions, with tool calls in the response, offline', async () => {
    const { live, replayed, hits, text } = await roundTrip(startOpenAIFake, async (base, key) => {
      const openai = client(base, key);
      const plain = await openai.chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] });
      const tools = await openai.chat.completions.create({
        model: 'gpt-fake',
        messages: [{ role: 'user', content: 'weather in SFO?' }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      });
      return { plain, tools };
    });
    expect(hits).toBe(2);
    expect(live.plain.choices[0]!.message.content).toBe('You said: hi');
    expect(live.tools.choices[0]!.message.tool_calls?.[0]).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"SFO"}' } });
    expect(replayed).toEqual(live);
    expect(text).not.toContain(OPENAI_KEY);
  });

  it('replays a stream: true completion chunk by chunk', async () => {
    const { live, replayed, text } = await roundTrip(startOpenAIFake, async (base, key) => {
      const stream = await client(base, key).chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'q' }], stream: true });
      const chunks: string[] = [];
      for await (const chunk of stream) chunks.push(chunk.choices[0]?.delta?.content ?? `<${chunk.choices[0]?.finish_reason}>`);
      return chunks;
    });
    expect(live).toEqual(['The ', 'answer ', 'is ', '42.', '<stop>']);
    expect(replayed).toEqual(live);
    expect(JSON.parse(text).entries[0].result.value.body.sse.at(-1).data).toBe('[DONE]');
  });
});

describe('the real @anthropic-ai/sdk', () => {
  const client = (base: string, key: 'record' | 'replay') =>
    new Anthropic({ apiKey: key === 'record' ? ANTHROPIC_KEY : 'sk-ant-api03-aDifferentCiKey987654321', baseURL: base, maxRetries: 0 });

  it('replays messages.create offline', async () => {
    const { live, replayed, text } = await roundTrip(startAnthropicFake, async (base, key) =>
      client(base, key).messages.create({ model: 'claude-fake', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }] }),
    );
    expect(live.content[0]).toEqual({ type: 'text', text: 'Hello from Claude' });
    expect(replayed).toEqual(live);
    expect(text).not.toContain(ANTHROPIC_KEY);
  });

  it('replays a streamed message event by event', async () => {
    const { live, replayed } = await roundTrip(startAnthropicFake, async (base, key) => {
      const stream = client(base, key).messages.stream({ model: 'claude-fake', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }] });
      const events: string[] = [];
      for await (const event of stream) events.push(event.type === 'content_block_delta' && event.delta.type === 'text_delta' ? event.delta.text : event.type);
      const final = await stream.finalMessage();
      return { events, text: final.content[0]?.type === 'text' ? final.content[0].text : '', usage: final.usage.output_tokens };
    });
    expect(live.text).toBe('Hello from Claude');
    expect(live.events).toContain(' from');
    expect(replayed).toEqual(live);
  });
});
