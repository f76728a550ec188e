import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStats, withCassette, type ReplayError } from '../../src/index.js';
import { emptyStats, formatSummary, statsSince } from '../../src/report.js';
import { driftVerdict } from '../../src/transcript/verdict.js';
import { startAnthropicToolFake, startGeminiFake, startResponsesFake, type FakeChange } from '../helpers/agent-fakes.js';
import type { LoopbackServer } from '../helpers/server.js';

// A two-turn tool-using conversation per API, recorded once, then verified against a fake that changes
// one thing at a time. The tool's result is a constant: only the model's side changes.
const WEATHER = JSON.stringify({ city: 'SFO', temp_f: 62 });
type Agent = (base: string) => Promise<unknown>;

const agents: Record<string, { start: (change: () => FakeChange) => Promise<LoopbackServer>; run: Agent }> = {
  'OpenAI Responses (streamed)': {
    start: startResponsesFake,
    run: async (base) => {
      const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${base}/v1`, maxRetries: 0 });
      const ask = async (input: OpenAI.Responses.ResponseInput) => {
        for await (const event of await openai.responses.create({ model: 'gpt-4.1-mini', input, stream: true })) if (event.type === 'response.completed') return event.response;
        throw new Error('no response.completed');
      };
      const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'Weather in SFO?' }];
      for (const item of (await ask(input)).output) if (item.type === 'function_call') input.push(item, { type: 'function_call_output', call_id: item.call_id, output: WEATHER });
      return (await ask(input)).output;
    },
  },
  'Anthropic Messages (streamed tool_use)': {
    start: startAnthropicToolFake,
    run: async (base) => {
      const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: base, maxRetries: 0 });
      const ask = (messages: Anthropic.MessageParam[]) => client.messages.stream({ model: 'claude-sonnet-4', max_tokens: 256, messages }).finalMessage();
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in SFO?' }];
      const first = await ask(messages);
      const calls = first.content.filter((b) => b.type === 'tool_use');
      messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: calls.map((b) => ({ type: 'tool_result' as const, tool_use_id: b.id, content: WEATHER })) });
      return (await ask(messages)).content;
    },
  },
  'Gemini (JSON)': {
    start: startGeminiFake,
    run: async (base) => {
      const ask = async (contents: unknown[]) => {
        const response = await fetch(`${base}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contents }) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return ((await response.json()) as { candidates: Array<{ content: { parts: Array<{ functionCall?: { name: string } }> } }> }).candidates[0]!.content.parts;
      };
      const contents: unknown[] = [{ role: 'user', parts: [{ text: 'Weather in SFO?' }] }];
      const parts = await ask(contents);
      contents.push({ role: 'model', parts }, { role: 'user', parts: parts.filter((p) => p.functionCall).map((p) => ({ functionResponse: { name: p.functionCall!.name, response: JSON.parse(WEATHER) as unknown } })) });
      return ask(contents);
    },
  },
};

const quiet = { onWarning: () => undefined } as const;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tapedeck-verdict-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.each(Object.entries(agents))('RECORD=verify verdicts: %s', (name, agent) => {
  let change: FakeChange = {};
  let server: LoopbackServer;
  const path = () => join(dir, `${name.replace(/\W+/g, '-')}.json`);
  const run = (mode: 'record' | 'verify') => withCassette({ path: path(), mode, ...quiet }, () => agent.run(server.url));
  const drift = async (): Promise<ReplayError> => {
    const error = (await run('verify').then(
      () => undefined,
      (e: unknown) => e,
    )) as ReplayError | undefined;
    expect(error?.reason).toBe('drift');
    return error!;
  };
  beforeAll(async () => {
    server = await agent.start(() => change);
    await run('record');
  });
  afterAll(() => server.close());

  it('same meaning: new response ids and timestamps pass, and are counted', async () => {
    change = {};
    const before = runStats();
    await expect(run('verify')).resolves.toBeDefined();
    expect(statsSince(before)).toMatchObject({ driftSame: 2, driftAnswer: 0, driftBehaviour: 0 });
  });

  it('same meaning: the answer streamed in other chunks passes', async () => {
    change = { pieces: 5 };
    const before = runStats();
    await expect(run('verify')).resolves.toBeDefined();
    expect(statsSince(before).driftAnswer).toBe(0);
  });

  it('changed answer: other text fails, naming it', async () => {
    change = { text: 'It is 70°F and sunny in SFO.' };
    const before = runStats();
    const error = await drift();
    expect(error.message).toContain('drift: changed answer: ');
    expect(error.message).toContain('changed answer: answer: "It is 62°F and foggy in SFO." -> "It is 70°F and sunny in SFO."');
    expect(statsSince(before)).toMatchObject({ driftAnswer: 1, driftBehaviour: 0 });
  });

  it('changed behaviour: other tool arguments fail, naming the call', async () => {
    change = { city: 'NYC' };
    const error = await drift();
    expect(error.message).toContain('drift: changed behaviour: ');
    expect(error.message).toContain('changed behaviour: tool call get_weather args: {"city":"SFO"} -> {"city":"NYC"}');
  });

  it('changed behaviour: another HTTP status fails', async () => {
    change = { status: 529 };
    const error = await drift();
    expect(error.message).toContain('changed behaviour: status: 200 -> 529');
  });
});

describe('driftVerdict', () => {
  it('is counted in the run summary line by verdict', () => {
    expect(formatSummary({ ...emptyStats(), cassettes: 1, live: 3, driftSame: 2, driftBehaviour: 1 })).toBe(
      'tapedeck: 1 cassette, 0 replayed, 0 recorded, 3 live, 0 misses, 0 unused, 0 written, 3 drifted (1 changed behaviour, 2 same meaning)',
    );
  });
  const call = { toolId: 'http:POST https://api.openai.com/v1/chat/completions', args: { query: {}, body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] } } };
  const answer = (message: object, finish = 'stop') => ({ ok: true as const, value: { status: 200, body: { json: { id: `chatcmpl-${Math.random()}`, created: Date.now(), model: 'gpt-4o', choices: [{ index: 0, message, finish_reason: finish }] } } } });
  it('classes a finish reason that changed as behaviour', () => {
    expect(driftVerdict(call, answer({ role: 'assistant', content: 'Hi' }), answer({ role: 'assistant', content: 'Hi' }, 'length'))).toEqual({
      verdict: 'changed behaviour',
      reasons: ['finish reason: stop -> length'],
    });
  });
  it('classes a tool that now fails as behaviour, and another error message as an answer', () => {
    const tool = { toolId: 'weather.get', args: [{ city: 'SFO' }] };
    const failed = (message: string) => ({ ok: false as const, error: { name: 'Error', message } });
    expect(driftVerdict(tool, { ok: true, value: { temp_f: 62 } }, failed('down')).verdict).toBe('changed behaviour');
    expect(driftVerdict(tool, failed('down'), failed('timeout'))).toEqual({ verdict: 'changed answer', reasons: ['error.message: "down" -> "timeout"'] });
    expect(driftVerdict(tool, { ok: true, value: { id: 'call_1', temp_f: 62 } }, { ok: true, value: { id: 'call_2', temp_f: 62 } })).toEqual({ verdict: 'same meaning', reasons: [] });
  });
  it('classes an MCP result that became an error as behaviour', () => {
    const mcp = { toolId: 'mcp:weather tools/call get_forecast', args: { name: 'get_forecast', arguments: {} } };
    const result = (isError: boolean) => ({ ok: true as const, value: { content: [{ type: 'text', text: 'x' }], isError } });
    expect(driftVerdict(mcp, result(false), result(true)).verdict).toBe('changed behaviour');
  });
});
