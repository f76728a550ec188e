import { describe, expect, it } from 'vitest';
import type { SseEvent, StoredBody, StoredResponse } from '../src/http/exchange.js';
import { formatSummary, type CassetteStats } from '../src/report.js';
import { addUsage, formatUsage, mergeUsage, responseUsage, UNKNOWN_MODEL, type ResponseUsage, type UsageByModel } from '../src/usage.js';

const response = (body: StoredBody, status = 200): StoredResponse => ({ status, statusText: 'OK', headers: {}, body });
const json = (value: unknown) => response({ json: value as never });
/** A stream of JSON events (objects are stringified), with Anthropic-style `event:` names when given. */
const sse = (...events: Array<object | string>): StoredResponse =>
  response({
    sse: events.map((e): SseEvent => {
      if (typeof e === 'string') return { data: e };
      const type = (e as { type?: unknown }).type;
      return typeof type === 'string' ? { event: type, data: JSON.stringify(e) } : { data: JSON.stringify(e) };
    }),
  });
const chunk = (content: string | null, usage: object | null = null) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  model: 'gpt-4o-2024-08-06',
  choices: content === null ? [] : [{ index: 0, delta: { content }, finish_reason: null }],
  usage,
});

const cases: Array<[string, StoredResponse, ResponseUsage | undefined]> = [
  [
    'OpenAI chat completion (JSON)',
    json({ id: 'chatcmpl-1', model: 'gpt-4o-2024-08-06', choices: [], usage: { prompt_tokens: 1234, completion_tokens: 567, total_tokens: 1801 } }),
    { model: 'gpt-4o-2024-08-06', input: 1234, output: 567 },
  ],
  [
    'OpenAI embeddings: prompt tokens only',
    json({ object: 'list', data: [], model: 'text-embedding-3-small', usage: { prompt_tokens: 8, total_tokens: 8 } }),
    { model: 'text-embedding-3-small', input: 8, output: 0 },
  ],
  [
    'OpenAI stream with include_usage: the final chunk carries usage, the others null',
    sse(chunk('Hel'), chunk('lo'), chunk(null, { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 }), '[DONE]'),
    { model: 'gpt-4o-2024-08-06', input: 9, output: 4 },
  ],
  ['OpenAI stream without include_usage: nothing to count', sse(chunk('Hel'), chunk('lo'), '[DONE]'), undefined],
  [
    'OpenAI Responses API (JSON)',
    json({ id: 'resp_1', object: 'response', model: 'gpt-4.1-mini', output: [], usage: { input_tokens: 30, output_tokens: 12, total_tokens: 42 } }),
    { model: 'gpt-4.1-mini', input: 30, output: 12 },
  ],
  [
    'OpenAI Responses API streamed: response.completed wraps the usage',
    sse(
      { type: 'response.created', response: { id: 'resp_1', model: 'gpt-4.1-mini', usage: null } },
      { type: 'response.output_text.delta', delta: 'Hi' },
      { type: 'response.completed', response: { id: 'resp_1', model: 'gpt-4.1-mini', usage: { input_tokens: 30, output_tokens: 12 } } },
    ),
    { model: 'gpt-4.1-mini', input: 30, output: 12 },
  ],
  [
    'Anthropic message (JSON), prompt-cache tokens counted as input',
    json({
      id: 'msg_1',
      type: 'message',
      model: 'claude-sonnet-4-5',
      content: [],
      usage: { input_tokens: 12, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000, output_tokens: 4 },
    }),
    { model: 'claude-sonnet-4-5', input: 1112, output: 4 },
  ],
  [
    'Anthropic stream: message_start gives input, message_delta the final (cumulative) output',
    sse(
      { type: 'message_start', message: { id: 'msg_1', model: 'claude-sonnet-4-5', usage: { input_tokens: 12, output_tokens: 1 } } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
      { type: 'ping' },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 15 } },
      { type: 'message_stop' },
    ),
    { model: 'claude-sonnet-4-5', input: 12, output: 15 },
  ],
  [
    'Anthropic stream, newer API: message_delta repeats the input counts',
    sse(
      { type: 'message_start', message: { model: 'claude-x', usage: { input_tokens: 12, output_tokens: 1 } } },
      { type: 'message_delta', usage: { input_tokens: 12, cache_read_input_tokens: 50, output_tokens: 7 } },
    ),
    { model: 'claude-x', input: 62, output: 7 },
  ],
  [
    'Gemini (JSON): usageMetadata, thinking tokens billed as output',
    json({ candidates: [], modelVersion: 'gemini-2.5-flash', usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 5, thoughtsTokenCount: 10 } }),
    { model: 'gemini-2.5-flash', input: 20, output: 15 },
  ],
  [
    'Gemini streamGenerateContent as a JSON array of cumulative chunks',
    json([
      { modelVersion: 'gemini-2.5-flash', usageMetadata: { promptTokenCount: 20 } },
      { modelVersion: 'gemini-2.5-flash', usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 9 } },
    ]),
    { model: 'gemini-2.5-flash', input: 20, output: 9 },
  ],
  ['usage without a model name', json({ usage: { prompt_tokens: 3, completion_tokens: 1 } }), { model: UNKNOWN_MODEL, input: 3, output: 1 }],
  [
    'an error body that still reports usage is counted',
    response({ json: { model: 'gpt-4o', error: { message: 'cut off' }, usage: { prompt_tokens: 5, completion_tokens: 0 } } }, 400),
    { model: 'gpt-4o', input: 5, output: 0 },
  ],
  ['a JSON body without usage', json({ model: 'gpt-4o', data: [] }), undefined],
  ['a `usage` that is not token usage', json({ usage: { requests: 3, quota: 100 } }), undefined],
  ['negative or non-numeric counts are ignored', json({ usage: { prompt_tokens: -1, completion_tokens: '7' } }), undefined],
  ['a text body', response({ text: '{"usage":{"prompt_tokens":1}}' }), undefined],
  ['a binary body', response({ base64: 'AAAA' }), undefined],
  ['a stream of text, and broken JSON', response({ sse: [{ data: 'hello' }, { data: '{"usage": ' }] }), undefined],
  ['a stored value that is not a response at all', 'plain tool output' as unknown as StoredResponse, undefined],
];

describe('responseUsage', () => {
  it.each(cases)('%s', (_name, stored, expected) => {
    expect(responseUsage(stored)).toEqual(expected);
  });
});

describe('usage totals', () => {
  it('adds responses per model and formats them sorted, with thousands separators', () => {
    const total: UsageByModel = {};
    addUsage(total, { model: 'gpt-4o', input: 1000, output: 500 });
    addUsage(total, { model: 'gpt-4o', input: 234, output: 67 });
    addUsage(total, { model: 'claude-x', input: 12, output: 4 });
    expect(total).toEqual({ 'gpt-4o': { input: 1234, output: 567, calls: 2 }, 'claude-x': { input: 12, output: 4, calls: 1 } });
    expect(formatUsage(total)).toBe('claude-x 12 in / 4 out; gpt-4o 1,234 in / 567 out');
    expect(formatUsage({})).toBe('');
  });

  it('merges and subtracts totals, dropping models that come back to zero', () => {
    const a: UsageByModel = { m: { input: 10, output: 2, calls: 1 } };
    const b: UsageByModel = { m: { input: 10, output: 2, calls: 1 }, n: { input: 1, output: 1, calls: 1 } };
    expect(mergeUsage(structuredClone(b), a, -1)).toEqual({ n: { input: 1, output: 1, calls: 1 } });
    expect(mergeUsage(structuredClone(a), b)).toEqual({ m: { input: 20, output: 4, calls: 2 }, n: { input: 1, output: 1, calls: 1 } });
  });

  it('appends tokens replayed to the run summary, after the fields it always had', () => {
    const stats: CassetteStats = { cassettes: 2, replayed: 3, recorded: 0, live: 0, misses: 0, drift: 0, unused: 0, written: 0, tokens: {} };
    expect(formatSummary(stats)).toBe('tapedeck: 2 cassettes, 3 replayed, 0 recorded, 0 live, 0 misses, 0 unused, 0 written');
    stats.tokens = { 'gpt-4o': { input: 1234, output: 567, calls: 2 } };
    expect(formatSummary(stats)).toBe(
      'tapedeck: 2 cassettes, 3 replayed, 0 recorded, 0 live, 0 misses, 0 unused, 0 written, tokens replayed: gpt-4o 1,234 in / 567 out',
    );
  });
});

describe('usage keyed by model names from cassette data (DESIGN section 11)', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('a response whose model is %s is counted under that name and pollutes no prototype', (model) => {
    const totals: UsageByModel = {};
    const usage = responseUsage(json({ model, usage: { prompt_tokens: 3, completion_tokens: 4 } }))!;
    expect(usage.model).toBe(model);
    addUsage(totals, usage);
    addUsage(totals, usage);
    expect(Object.keys(totals)).toEqual([model]);
    expect(Object.getOwnPropertyDescriptor(totals, model)?.value).toEqual({ input: 6, output: 8, calls: 2 });
    const merged = mergeUsage({}, totals);
    expect(Object.getOwnPropertyDescriptor(merged, model)?.value).toEqual({ input: 6, output: 8, calls: 2 });
    expect(formatUsage(totals)).toBe(`${model} 6 in / 8 out`);
    mergeUsage(merged, totals, -1);
    expect(Object.keys(merged)).toEqual([]);
    const plain = {} as Record<string, unknown>;
    expect(plain.input).toBeUndefined();
    expect(Object.getPrototypeOf(totals)).toBe(Object.prototype);
    expect(Object.prototype).not.toHaveProperty('input');
  });
});
