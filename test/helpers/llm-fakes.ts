// Loopback fakes of the OpenAI and Anthropic wire formats, so the real SDKs can be pointed at them.
import { startServer, type LoopbackServer } from './server.js';

const sse = (res: import('node:http').ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });
const pause = () => new Promise((r) => setTimeout(r, 2));

/** `pieces`: the streamed answer's content deltas, read on every request (so a test can change it). */
export function startOpenAIFake(options: { pieces?: () => string[] } = {}): Promise<LoopbackServer> {
  let n = 0;
  return startServer(async (req, res, body) => {
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

export function startAnthropicFake(): Promise<LoopbackServer> {
  let n = 0;
  return startServer(async (req, res, body) => {
    if (req.url !== '/v1/messages') {
      res.statusCode = 404;
      return void res.end('{}');
    }
    const request = JSON.parse(body) as { stream?: boolean; model: string };
    const id = `msg_${++n}_${Date.now()}`;
    const message = { id, type: 'message', role: 'assistant', model: request.model, stop_sequence: null };
    if (request.stream) {
      sse(res);
      const send = async (type: string, data: object) => {
        res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
        await pause();
      };
      await send('message_start', { message: { ...message, content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } } });
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
