// Loopback fakes of the OpenAI (chat completions, Responses), Anthropic and Gemini wire formats, so the
// real SDKs can be pointed at them (tapedeck's own tests, and the compatibility matrix in scripts/compat).
import { startServer, type LoopbackServer } from './server.js';

const sse = (res: import('node:http').ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });
const pause = () => new Promise((r) => setTimeout(r, 2));

/** `pieces`: the streamed answer's content deltas, read on every request (so a test can change it). */
export function startOpenAIFake(options: { pieces?: () => string[] } = {}): Promise<LoopbackServer> {
  let n = 0;
  return startServer(async (req, res, body) => {
    if (req.url === '/v1/responses') return void responses(res, body, ++n);
    if (req.url !== '/v1/chat/completions') {
      res.statusCode = 404;
      return void res.end('{}');
    }
    const request = JSON.parse(body) as { stream?: boolean; tools?: unknown[]; messages: Array<{ role: string; content: string }> };
    const id = `chatcmpl-${++n}-${Date.now()}`;
    const created = Math.floor(Date.now() / 1000);
    if (request.stream) {
      sse(res);
      for (const piece of options.pieces?.() ?? ['The ', 'answer ', 'is ', '42.']) {
        res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: 'gpt-fake', choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] })}\n\n`);
        await pause();
      }
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: 'gpt-fake', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } })}\n\n`);
      return void res.end('data: [DONE]\n\n');
    }
    const message = request.tools
      ? { role: 'assistant', content: null, tool_calls: [{ id: `call_${n}`, type: 'function', function: { name: 'get_weather', arguments: '{"city":"SFO"}' } }] }
      : { role: 'assistant', content: `You said: ${request.messages.at(-1)?.content}` };
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-request-id', `req_${n}`);
    res.end(JSON.stringify({ id, object: 'chat.completion', created, model: 'gpt-fake', choices: [{ index: 0, message, finish_reason: request.tools ? 'tool_calls' : 'stop' }], usage: { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16 } }));
  });
}

/** OpenAI's Responses API, non-streamed: echoes the input. */
function responses(res: import('node:http').ServerResponse, body: string, n: number): void {
  const request = JSON.parse(body) as { model: string; input: unknown };
  const text = `You said: ${typeof request.input === 'string' ? request.input : JSON.stringify(request.input)}`;
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({
      id: `resp_${n}`,
      object: 'response',
      created_at: Math.floor(Date.now() / 1000),
      status: 'completed',
      model: request.model,
      output: [{ type: 'message', id: `msg_${n}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] }],
      usage: { input_tokens: 5, input_tokens_details: { cached_tokens: 0 }, output_tokens: 6, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 11 },
    }),
  );
}

/** Gemini's `models/<model>:generateContent` (as @google/genai calls it): echoes the last text part. */
export function startGeminiEchoFake(): Promise<LoopbackServer> {
  return startServer(async (req, res, body) => {
    const model = /\/models\/([^/:]+):generateContent$/.exec(req.url ?? '')?.[1];
    if (model === undefined) {
      res.statusCode = 404;
      return void res.end('{}');
    }
    const request = JSON.parse(body) as { contents?: Array<{ parts?: Array<{ text?: string }> }> };
    const said = request.contents?.at(-1)?.parts?.at(-1)?.text ?? '';
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        candidates: [{ content: { role: 'model', parts: [{ text: `You said: ${said}` }] }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 5, totalTokenCount: 9 },
        modelVersion: model,
      }),
    );
  });
}

/** With `tools` in a streamed request, the answer is a `tool_use` block of the first tool, `{ city: 'SFO' }`. */
export function startAnthropicFake(): Promise<LoopbackServer> {
  let n = 0;
  return startServer(async (req, res, body) => {
    if (req.url !== '/v1/messages') {
      res.statusCode = 404;
      return void res.end('{}');
    }
    const request = JSON.parse(body) as { stream?: boolean; model: string; tools?: Array<{ name: string }> };
    const id = `msg_${++n}_${Date.now()}`;
    const message = { id, type: 'message', role: 'assistant', model: request.model, stop_sequence: null };
    if (request.stream) {
      sse(res);
      const send = async (type: string, data: object) => {
        res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
        await pause();
      };
      await send('message_start', { message: { ...message, content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } } });
      const tool = request.tools?.[0];
      if (tool !== undefined) {
        await send('content_block_start', { index: 0, content_block: { type: 'tool_use', id: `toolu_${n}`, name: tool.name, input: {} } });
        for (const partial_json of ['{"city"', ': "SFO"}']) await send('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json } });
        await send('content_block_stop', { index: 0 });
        await send('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 9 } });
        await send('message_stop', {});
        return void res.end();
      }
      await send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
      await send('ping', {});
      for (const text of ['Hello', ' from', ' Claude']) await send('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
      await send('content_block_stop', { index: 0 });
      await send('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 3 } });
      await send('message_stop', {});
      return void res.end();
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ...message, content: [{ type: 'text', text: 'Hello from Claude' }], stop_reason: 'end_turn', usage: { input_tokens: 12, output_tokens: 4 } }));
  });
}

/**
 * The OpenAI Responses API (`POST /v1/responses`), JSON and streamed, in the shapes its API reference
 * documents: a `response` object with `output` items and `usage` (`input_tokens`, `output_tokens` and
 * their details); a stream of named events ending with `response.completed`, which carries the response.
 */
export function startResponsesFake(): Promise<LoopbackServer> {
  let n = 0;
  return startServer(async (req, res, body) => {
    if (req.url !== '/v1/responses') {
      res.statusCode = 404;
      return void res.end('{}');
    }
    const request = JSON.parse(body) as { model: string; stream?: boolean };
    const id = `resp_${++n}`;
    const message = { type: 'message', id: `msg_${n}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Forty-two.', annotations: [] }] };
    const response = (status: string, withOutput: boolean) => ({
      id,
      object: 'response',
      created_at: 1_764_000_000,
      status,
      model: `${request.model}-2026-01-01`,
      output: withOutput ? [message] : [],
      parallel_tool_calls: true,
      tool_choice: 'auto',
      tools: [],
      usage: withOutput ? { input_tokens: 21, input_tokens_details: { cached_tokens: 3 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 26 } : null,
    });
    if (!request.stream) {
      res.setHeader('content-type', 'application/json');
      return void res.end(JSON.stringify(response('completed', true)));
    }
    sse(res);
    let seq = 0;
    const send = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
    send('response.created', { response: response('in_progress', false) });
    send('response.output_item.added', { output_index: 0, item: { ...message, status: 'in_progress', content: [] } });
    send('response.content_part.added', { item_id: message.id, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
    for (const delta of ['Forty', '-two.']) {
      send('response.output_text.delta', { item_id: message.id, output_index: 0, content_index: 0, delta });
      await pause();
    }
    send('response.output_text.done', { item_id: message.id, output_index: 0, content_index: 0, text: 'Forty-two.' });
    send('response.content_part.done', { item_id: message.id, output_index: 0, content_index: 0, part: message.content[0]! });
    send('response.output_item.done', { output_index: 0, item: message });
    send('response.completed', { response: response('completed', true) });
    res.end();
  });
}

/**
 * Google's Gemini API (`generateContent`, and `streamGenerateContent?alt=sse`) in the shapes of its API
 * reference: `candidates`, `usageMetadata` (`promptTokenCount`, `candidatesTokenCount`,
 * `thoughtsTokenCount`, `totalTokenCount`) and `modelVersion`; a stream of such chunks, usage cumulative.
 */
export function startGeminiFake(): Promise<LoopbackServer> {
  return startServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const match = /^\/v1beta\/models\/([^:]+):(generateContent|streamGenerateContent)$/.exec(url.pathname);
    if (match === null) {
      res.statusCode = 404;
      return void res.end('{}');
    }
    const modelVersion = `${match[1]}-001`;
    const chunk = (text: string, usage: object) => ({ candidates: [{ content: { parts: [{ text }], role: 'model' }, index: 0 }], usageMetadata: usage, modelVersion, responseId: 'gemini-response' });
    if (match[2] === 'generateContent') {
      res.setHeader('content-type', 'application/json');
      const answer = chunk('Forty-two.', { promptTokenCount: 8, candidatesTokenCount: 4, thoughtsTokenCount: 6, totalTokenCount: 18 });
      return void res.end(JSON.stringify({ ...answer, candidates: [{ ...answer.candidates[0], finishReason: 'STOP' }] }));
    }
    sse(res);
    res.write(`data: ${JSON.stringify(chunk('Forty', { promptTokenCount: 8, totalTokenCount: 8 }))}\r\n\r\n`);
    await pause();
    const last = chunk('-two.', { promptTokenCount: 8, candidatesTokenCount: 3, totalTokenCount: 11 });
    res.write(`data: ${JSON.stringify({ ...last, candidates: [{ ...last.candidates[0], finishReason: 'STOP' }] })}\r\n\r\n`);
    res.end();
  });
}
