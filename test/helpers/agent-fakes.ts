// Loopback fakes that answer like a tool-using model in the wire formats the transcript reads: OpenAI
// Responses, Anthropic Messages with tool_use, Google Gemini. Each asks for `get_weather` on the first turn
// and answers in text once the request carries the tool's result. `change` lets a test alter one thing
// at a time (the verify verdicts): the answer's text, the tool's args, or the chunking of a stream.
// Response ids and timestamps change on every call, as real ones do; the ids of tool calls stay the same,
// so the request that echoes them back keeps its key and a multi-turn conversation can be verified.
import type { ServerResponse } from 'node:http';
import { startServer, type LoopbackServer } from './server.js';

/** What a fake changes from its usual answer. */
export interface FakeChange {
  /** The final answer's text. */
  text?: string;
  /** The city the tool call asks for. */
  city?: string;
  /** How many pieces a streamed answer is cut into (default 3). */
  pieces?: number;
  /** The HTTP status of every answer (with the provider's error body). */
  status?: number;
}

const ANSWER = 'It is 62°F and foggy in SFO.';
const cut = (text: string, n: number): string[] => {
  const size = Math.ceil(text.length / n);
  return Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));
};
const sse = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });
const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** OpenAI Responses API (`POST /v1/responses`), JSON or streamed. */
export function startResponsesFake(change: () => FakeChange = () => ({})): Promise<LoopbackServer> {
  let n = 0;
  return startServer((req, res, raw) => {
    const c = change();
    if (c.status !== undefined) return json(res, c.status, { error: { message: 'The server is overloaded', type: 'server_error' } });
    const request = JSON.parse(raw) as { model: string; stream?: boolean; input: unknown };
    const id = `resp_${++n}${Date.now()}`;
    const answered = JSON.stringify(request.input).includes('function_call_output');
    const output = answered
      ? [{ id: `msg_${n}`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: c.text ?? ANSWER, annotations: [] }] }]
      : [{ id: 'fc_w1', type: 'function_call', status: 'completed', call_id: 'call_w1', name: 'get_weather', arguments: JSON.stringify({ city: c.city ?? 'SFO' }) }];
    const response = {
      id,
      object: 'response',
      created_at: Math.floor(Date.now() / 1000),
      status: 'completed',
      model: 'gpt-4.1-mini-2025-04-14',
      output,
      usage: { input_tokens: answered ? 80 : 50, output_tokens: answered ? 12 : 9, total_tokens: answered ? 92 : 59 },
    };
    if (request.stream !== true) return json(res, 200, response);
    sse(res);
    let seq = 0;
    const send = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
    send('response.created', { response: { ...response, status: 'in_progress', output: [], usage: null } });
    const item = output[0]!;
    if (item.type === 'message') {
      send('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } });
      for (const delta of cut(c.text ?? ANSWER, c.pieces ?? 3)) send('response.output_text.delta', { item_id: item.id, output_index: 0, content_index: 0, delta });
    } else {
      send('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', arguments: '' } });
      send('response.function_call_arguments.delta', { item_id: item.id, output_index: 0, delta: (item as { arguments: string }).arguments });
    }
    send('response.output_item.done', { output_index: 0, item });
    send('response.completed', { response });
    res.end();
  });
}

/** Anthropic Messages (`POST /v1/messages`) with tools, JSON or streamed (`tool_use` via `input_json_delta`). */
export function startAnthropicToolFake(change: () => FakeChange = () => ({})): Promise<LoopbackServer> {
  let n = 0;
  return startServer((req, res, raw) => {
    const c = change();
    if (c.status !== undefined) return json(res, c.status, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const request = JSON.parse(raw) as { model: string; stream?: boolean };
    const answered = raw.includes('"tool_result"');
    const id = `msg_${++n}${Date.now()}`;
    const toolUse = { type: 'tool_use', id: 'toolu_w1', name: 'get_weather', input: { city: c.city ?? 'SFO' } };
    const content = answered ? [{ type: 'text', text: c.text ?? ANSWER }] : [{ type: 'text', text: 'Let me check the weather.' }, toolUse];
    const stop = answered ? 'end_turn' : 'tool_use';
    const usage = { input_tokens: answered ? 420 : 380, output_tokens: answered ? 15 : 40 };
    const message = { id, type: 'message', role: 'assistant', model: `${request.model}-20250514`, stop_sequence: null };
    if (request.stream !== true) return json(res, 200, { ...message, content, stop_reason: stop, usage });
    sse(res);
    const send = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    send('message_start', { message: { ...message, content: [], stop_reason: null, usage: { input_tokens: usage.input_tokens, output_tokens: 1 } } });
    content.forEach((block, index) => {
      if (block.type === 'text') {
        send('content_block_start', { index, content_block: { type: 'text', text: '' } });
        for (const text of cut((block as { text: string }).text, c.pieces ?? 3)) send('content_block_delta', { index, delta: { type: 'text_delta', text } });
      } else {
        send('content_block_start', { index, content_block: { ...block, input: {} } });
        const input = JSON.stringify((block as { input: unknown }).input);
        for (const partial_json of cut(input, 2)) send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } });
      }
      send('content_block_stop', { index });
    });
    send('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
    send('message_stop', {});
    res.end();
  });
}

/** Google Gemini (`POST /v1beta/models/<model>:generateContent`, `:streamGenerateContent?alt=sse`). */
export function startGeminiFake(change: () => FakeChange = () => ({})): Promise<LoopbackServer> {
  return startServer((req, res, raw) => {
    const c = change();
    if (c.status !== undefined) return json(res, c.status, { error: { code: c.status, message: 'The model is overloaded.', status: 'UNAVAILABLE' } });
    const answered = raw.includes('"functionResponse"');
    const usageMetadata = { promptTokenCount: answered ? 70 : 40, candidatesTokenCount: answered ? 11 : 6, totalTokenCount: answered ? 81 : 46 };
    const chunk = (parts: object[], finishReason?: string) => ({
      candidates: [{ content: { role: 'model', parts }, index: 0, ...(finishReason !== undefined ? { finishReason } : {}) }],
      modelVersion: 'gemini-2.5-flash',
      responseId: `gem-${Date.now()}`,
    });
    const parts = answered ? [{ text: c.text ?? ANSWER }] : [{ functionCall: { name: 'get_weather', args: { city: c.city ?? 'SFO' } } }];
    if (!(req.url ?? '').includes(':streamGenerateContent')) return json(res, 200, { ...chunk(parts, 'STOP'), usageMetadata });
    sse(res);
    if (!answered) res.write(`data: ${JSON.stringify({ ...chunk(parts, 'STOP'), usageMetadata })}\r\n\r\n`);
    else {
      const pieces = cut(c.text ?? ANSWER, c.pieces ?? 3);
      pieces.forEach((text, i) => {
        const last = i === pieces.length - 1;
        res.write(`data: ${JSON.stringify({ ...chunk([{ text }], last ? 'STOP' : undefined), ...(last ? { usageMetadata } : {}) })}\r\n\r\n`);
      });
    }
    res.end();
  });
}
