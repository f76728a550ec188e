// Wire shapes the recorded fixtures do not hold, as the providers document and send them.
import { describe, expect, it } from 'vitest';
import { compareCalls } from '../../src/transcript/compare.js';
import { renderReport } from '../../src/transcript/html.js';
import { detectApi, readAnswer, requestMessages } from '../../src/transcript/llm.js';
import { mask } from '../../src/transcript/mask.js';
import { readTranscript } from '../../src/transcript/read.js';
import { argsHash } from '../../src/hash.js';

const events = (...data: object[]) => ({ sse: [...data.map((d) => ({ data: JSON.stringify(d) })), { data: '[DONE]' }] });

describe('reading LLM wire formats', () => {
  it('reassembles an OpenAI chat stream whose tool call arguments arrive in pieces', () => {
    const chunk = (delta: object, finish: string | null = null) => ({ id: 'chatcmpl-9', object: 'chat.completion.chunk', model: 'gpt-4o-2024-08-06', choices: [{ index: 0, delta, finish_reason: finish }] });
    const body = events(
      chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"SFO"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_def', type: 'function', function: { name: 'calculate', arguments: '{"expression":"1+1"}' } }] }),
      chunk({}, 'tool_calls'),
    );
    expect(readAnswer('openai-chat', body)).toEqual({
      answer: { text: '', toolCalls: [{ id: 'call_abc', name: 'get_weather', args: { city: 'SFO' } }, { id: 'call_def', name: 'calculate', args: { expression: '1+1' } }], finishReason: 'tool_calls' },
      model: 'gpt-4o-2024-08-06',
      events: 6,
    });
  });

  it('reads a Gemini stream answered as a JSON array, and its function calls', () => {
    const body = { json: [{ candidates: [{ content: { role: 'model', parts: [{ text: 'Checking' }] } }], modelVersion: 'gemini-2.5-pro' }, { candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'SFO' } } }] }, finishReason: 'STOP' }] }] };
    expect(readAnswer('gemini', body)).toEqual({ answer: { text: 'Checking', toolCalls: [{ name: 'get_weather', args: { city: 'SFO' } }], finishReason: 'STOP' }, model: 'gemini-2.5-pro' });
  });

  it('reads a Responses stream cut before response.completed from the items it finished', () => {
    const body = events(
      { type: 'response.created', response: { id: 'resp_1', model: 'gpt-4.1', output: [] } },
      { type: 'response.output_item.done', output_index: 0, item: { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{"q":"x"}' } },
    );
    expect(readAnswer('openai-responses', body)?.answer).toEqual({ text: '', toolCalls: [{ id: 'call_1', name: 'lookup', args: { q: 'x' } }] });
  });

  it('leaves Anthropic thinking out of the answer and keeps tool results that failed', () => {
    const json = { json: { type: 'message', model: 'claude-x', content: [{ type: 'thinking', thinking: 'hmm' }, { type: 'text', text: 'Done.' }], stop_reason: 'end_turn' } };
    expect(readAnswer('anthropic-messages', json)?.answer).toEqual({ text: 'Done.', toolCalls: [], finishReason: 'end_turn' });
    const messages = requestMessages('anthropic-messages', {
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'fetch_page', input: { url: 'x' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '404' }], is_error: true }, { type: 'text', text: 'Try again' }] },
      ],
    });
    expect(messages).toEqual([
      { role: 'system', text: 'Be brief.' },
      { role: 'assistant', toolCalls: [{ id: 'toolu_1', name: 'fetch_page', args: { url: 'x' } }] },
      { role: 'tool', toolResult: { id: 'toolu_1', name: 'fetch_page', content: '404', isError: true } },
      { role: 'user', text: 'Try again' },
    ]);
  });

  it('tells the APIs apart by path, and a /messages path by its body', () => {
    expect(detectApi('POST', 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', {})).toBe('gemini');
    expect(detectApi('POST', 'https://gateway.example/openai/v1/chat/completions', {})).toBe('openai-chat');
    expect(detectApi('POST', 'https://api.openai.com/v1/responses', {})).toBe('openai-responses');
    expect(detectApi('POST', 'https://api.anthropic.com/v1/messages', { messages: [] })).toBe('anthropic-messages');
    expect(detectApi('POST', 'https://chat.example/api/messages', { text: 'hi' })).toBeUndefined();
    expect(detectApi('GET', 'https://api.openai.com/v1/chat/completions', null)).toBeUndefined();
  });
});

describe('comparing two recordings of a request', () => {
  const toolId = 'http:POST https://api.openai.com/v1/chat/completions';
  const request = (id: string, image = 'a.png') => ({
    query: {},
    body: {
      model: 'gpt-4o',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: image } }] },
        { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'look', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: id, content: 'a cat' },
      ],
    },
  });
  const result = { ok: true as const, value: { status: 200, body: { json: { choices: [{ message: { content: 'A cat.' }, finish_reason: 'stop' }] } } } };
  it('finds only volatile changes when the echoed tool call ids differ', () => {
    const { verdict, changes } = compareCalls({ toolId, args: request('call_1'), result }, { toolId, args: request('call_2'), result });
    expect(verdict).toBe('same meaning');
    expect(changes.map((c) => c.kind)).toEqual(['volatile', 'volatile']);
  });
  it('finds a change the transcript does not show (another image) by its path', () => {
    const { verdict, changes } = compareCalls({ toolId, args: request('call_1'), result }, { toolId, args: request('call_1', 'b.png'), result });
    expect(verdict).toBe('changed behaviour');
    expect(changes).toEqual([{ kind: 'behaviour', line: 'args.body.messages[0].content[1].image_url.url: "a.png" -> "b.png"' }]);
  });
});

describe('masking what is shown', () => {
  const key = `sk-ant-api03-${'x7Y2'.repeat(8)}`;
  it('masks a key glued to an escape, and keeps the text around it', () => {
    expect(mask(`{"note":"line\\n${key}"}`)).toMatch(/^\{"note":"line\\n\[masked: [^\]]+\]"\}$/);
    expect(mask(`Authorization: Bearer abcdefghijklmnop1234`)).toMatch(/^Authorization: \[masked: [^\]]+\]$/);
    expect(mask('nothing to hide')).toBe('nothing to hide');
  });

  it('masks and escapes every text of the report page', () => {
    const args = [{ html: '<script>alert(1)</script>', key }];
    const transcript = readTranscript({ schemaVersion: 1, entries: [{ toolId: 'notes.save', argsHash: argsHash(args), args, result: { ok: true, value: 'ok' } }] }, '<b>odd name</b>.json');
    const page = renderReport({ tests: [{ transcript }], invalid: [], generatedAt: '2026-11-25T00:00:00.000Z' });
    expect(page).not.toContain(key);
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<b>odd');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('[masked: ');
    expect(page).not.toMatch(/\b(?:src|href)="(?:https?:)?\/\//); // no external asset
  });
});
