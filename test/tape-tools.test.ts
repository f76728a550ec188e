import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOpenAI } from '@ai-sdk/openai';
import { Agent, RunContext, Runner, Usage, invokeFunctionTool, tool as agentsTool, type Model, type ModelRequest, type ModelResponse } from '@openai/agents-core';
import { generateText, jsonSchema, tool as aiTool } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ReplayError, tapeTools, withCassette, type CassetteFile } from '../src/index.js';
import { startOpenAIFake } from './helpers/llm-fakes.js';

const quiet = { onWarning: () => undefined, http: false } as const;
const tempPath = async () => join(await mkdtemp(join(tmpdir(), 'tapedeck-tape-tools-')), 'c.json');
const readCassette = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as CassetteFile;

describe('tapeTools()', () => {
  it('tapes each execute as tool(<name>) with args [input] only, whatever the per-call options', async () => {
    const path = await tempPath();
    let live = 0;
    const tools = tapeTools({
      lookup: { description: 'kept as is', execute: async (input: { q: string }, _options: { toolCallId: string; abortSignal: AbortSignal }) => ({ q: input.q, hit: ++live }) },
      providerSide: { description: 'no execute: run by the provider, nothing to tape' },
    });
    expect(tools.lookup.description).toBe('kept as is');
    expect(tools.providerSide).toEqual({ description: 'no execute: run by the provider, nothing to tape' });
    const call = (toolCallId: string) => tools.lookup.execute({ q: 'tapes' }, { toolCallId, abortSignal: new AbortController().signal });
    expect(await withCassette({ path, mode: 'record', ...quiet }, () => call('call_1'))).toEqual({ q: 'tapes', hit: 1 });
    expect((await readCassette(path)).entries.map((e) => [e.toolId, e.args])).toEqual([['lookup', [{ q: 'tapes' }]]]);
    // Another toolCallId and signal: the same key, so it replays.
    expect(await withCassette({ path, mode: 'replay', ...quiet }, () => call('call_2'))).toEqual({ q: 'tapes', hit: 1 });
    expect(live).toBe(1);
    // Outside a cassette, the tool runs.
    expect(await call('call_3')).toEqual({ q: 'tapes', hit: 2 });
  });

  it('applies prefix and normalize, and refuses what is not a tool', async () => {
    const path = await tempPath();
    const tools = tapeTools({ now: { execute: async (input: { at: number; tz: string }) => input.tz } }, { prefix: 'clock.', normalize: (input) => ({ tz: (input as { tz: string }).tz }) });
    await withCassette({ path, mode: 'record', ...quiet }, () => tools.now.execute({ at: Date.now(), tz: 'UTC' }));
    expect((await readCassette(path)).entries.map((e) => [e.toolId, e.args])).toEqual([['clock.now', [{ tz: 'UTC' }]]]);
    const streaming = tapeTools({
      stream: {
        execute: async function* () {
          yield 'preliminary';
        },
      },
    });
    await expect(withCassette({ path: await tempPath(), mode: 'record', ...quiet }, async () => void (await streaming.stream.execute()))).rejects.toThrow(/stream returned an async iterable/);
    expect(() => tapeTools({ broken: 42 })).toThrow(/member "broken" is not a tool/);
    expect(() => tapeTools({ broken: { execute: 'no' } })).toThrow(/"broken".execute is not a function/);
    expect(() => tapeTools({ zod3: { inputSchema: { _def: {}, parse: () => 1 }, execute: async () => 1 } })).toThrow(/cannot sign it/);
  });

  it('makes a zod inputSchema the signature: a changed schema refuses to replay old answers', async () => {
    const path = await tempPath();
    const v1 = tapeTools({ weather: aiTool({ inputSchema: z.object({ city: z.string() }), execute: async ({ city }, _options) => ({ city, temp_f: 62 }) }) });
    const opts = { toolCallId: 'c1', messages: [], context: {} };
    await withCassette({ path, mode: 'record', ...quiet }, async () => void (await v1.weather.execute!({ city: 'SFO' }, opts)));
    expect((await readCassette(path)).meta?.tools?.weather?.signature).toMatch(/^[0-9a-f]{64}$/);
    const v2 = tapeTools({ weather: aiTool({ inputSchema: z.object({ city: z.string(), units: z.enum(['C', 'F']).optional() }), execute: async ({ city }, _options) => ({ city, temp_f: 0 }) }) });
    const error = (await withCassette({ path, mode: 'replay', ...quiet }, async () => void (await v2.weather.execute!({ city: 'SFO' }, opts))).catch((e: unknown) => e)) as ReplayError;
    expect(error.reason).toBe('tool-signature-mismatch');
    // The AI SDK's jsonSchema() wrapper signs by its JSON Schema.
    const plain = tapeTools({ weather: aiTool({ inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } } }), execute: async (_input, _options) => 1 }) });
    const other = tapeTools({ weather: aiTool({ inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { town: { type: 'string' } } }), execute: async (_input, _options) => 1 }) });
    const p2 = await tempPath();
    await withCassette({ path: p2, mode: 'record', ...quiet }, async () => void (await plain.weather.execute!({ city: 'SFO' }, opts)));
    await expect(withCassette({ path: p2, mode: 'replay', ...quiet }, async () => void (await other.weather.execute!({ city: 'SFO' }, opts)))).rejects.toMatchObject({ reason: 'tool-signature-mismatch' });
  });

  it("tapes the AI SDK's generateText tool calls against a loopback model", async () => {
    const fake = await startOpenAIFake();
    try {
      const path = await tempPath();
      const openai = createOpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'sk-test-0000' });
      let live = 0;
      const tools = tapeTools({
        get_weather: aiTool({
          description: 'The weather in a city',
          inputSchema: z.object({ city: z.string() }),
          execute: async ({ city }, { toolCallId }) => ({ city, temp_f: 62, toolCallId, live: ++live }),
        }),
      });
      const ask = async () => {
        const result = await generateText({ model: openai.chat('gpt-fake'), prompt: 'Weather in SFO?', tools });
        return result.toolResults.map((r) => ({ toolName: r.toolName, input: r.input, output: r.output }));
      };
      const recorded = await withCassette({ path, mode: 'record', onWarning: () => undefined }, ask);
      expect(recorded).toEqual([{ toolName: 'get_weather', input: { city: 'SFO' }, output: { city: 'SFO', temp_f: 62, toolCallId: 'call_1', live: 1 } }]);
      expect((await readCassette(path)).entries.map((e) => e.toolId)).toEqual([`http:POST ${fake.url}/v1/chat/completions`, 'get_weather']);
      const hits = fake.hits();
      expect(await withCassette({ path, mode: 'replay', onWarning: () => undefined }, ask)).toEqual(recorded);
      expect([live, fake.hits()]).toEqual([1, hits]);
    } finally {
      await fake.close();
    }
  });

  it('tapes an OpenAI Agents SDK tool as the runner invokes it, under its name', async () => {
    const path = await tempPath();
    let live = 0;
    const [weather] = tapeTools([
      agentsTool({ name: 'get_weather', description: 'The weather in a city', parameters: z.object({ city: z.string() }), execute: async ({ city }) => ({ city, temp_f: 62, live: ++live }) }),
    ]);
    const invoke = (callId: string) =>
      invokeFunctionTool({ tool: weather!, runContext: new RunContext({ user: callId }), input: '{ "city": "SFO" }', details: { toolCall: { type: 'function_call', callId, name: 'get_weather', arguments: '{ "city": "SFO" }' } } });
    expect(await withCassette({ path, mode: 'record', ...quiet }, () => invoke('call_a'))).toEqual({ city: 'SFO', temp_f: 62, live: 1 });
    const file = await readCassette(path);
    expect(file.entries.map((e) => [e.toolId, e.args])).toEqual([['get_weather', [{ city: 'SFO' }]]]);
    expect(file.meta?.tools?.get_weather?.signature).toMatch(/^[0-9a-f]{64}$/);
    expect(await withCassette({ path, mode: 'replay', ...quiet }, () => invoke('call_b'))).toEqual({ city: 'SFO', temp_f: 62, live: 1 });
    expect(live).toBe(1);
  });

  it("runs an OpenAI Agents SDK agent whose tool replays through the SDK's own runner", async () => {
    const path = await tempPath();
    let live = 0;
    // A scripted model (the runner is the SDK's): call get_weather once, then answer from its output.
    const model: Model = {
      async getResponse(request: ModelRequest): Promise<ModelResponse> {
        const items = Array.isArray(request.input) ? request.input : [];
        const output = items.find((i) => (i as { type?: string }).type === 'function_call_result') as { output?: { text?: string } | string } | undefined;
        if (output === undefined) {
          return { usage: new Usage(), output: [{ type: 'function_call', callId: 'call_1', name: 'get_weather', arguments: '{"city":"SFO"}', status: 'completed' }] };
        }
        const text = typeof output.output === 'string' ? output.output : (output.output?.text ?? '');
        return { usage: new Usage(), output: [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: `tool said ${text}` }] }] };
      },
      getStreamedResponse() {
        throw new Error('not streamed');
      },
    };
    const tools = tapeTools([agentsTool({ name: 'get_weather', description: 'The weather', parameters: z.object({ city: z.string() }), execute: async ({ city }) => `${city} 62F live#${++live}` })]);
    const agent = new Agent({ name: 'weather', instructions: 'Use tools.', model, tools });
    const ask = async () => (await new Runner({ tracingDisabled: true }).run(agent, 'Weather in SFO?')).finalOutput;
    const recorded = await withCassette({ path, mode: 'record', ...quiet }, ask);
    expect(recorded).toBe('tool said SFO 62F live#1');
    expect(await withCassette({ path, mode: 'replay', ...quiet }, ask)).toBe(recorded);
    expect(live).toBe(1);
  });
});
