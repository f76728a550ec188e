// A loopback fake of the OpenAI chat-completions API and of a weather API, so `npm run example:record`
// can show the record -> replay loop without internet. It behaves like a (very small) model: it calls
// the tools a question needs, then answers from their results.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';

const WEATHER: Record<string, { temp_f: number; conditions: string }> = {
  SFO: { temp_f: 62, conditions: 'fog' },
  NYC: { temp_f: 48, conditions: 'rain' },
  Paris: { temp_f: 55, conditions: 'clouds' },
};

interface Message {
  role: string;
  content?: string | null;
  tool_call_id?: string;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
}

let counter = 0;
// Its own counter, so the MCP example's requests leave the other examples' recordings as they were.
let forecastCounter = 0;

/**
 * The model of examples/mcp-agent: asks the MCP server's get_forecast, then convert_temperature when the
 * question wants Celsius, then answers from both (or reports the tool's error).
 */
function forecastCompletion(messages: Message[]): object {
  const base = { id: `chatcmpl-forecast-${++forecastCounter}`, object: 'chat.completion', created: 1_764_000_000, model: 'gpt-4o-mini-fake' };
  const question = messages.find((m) => m.role === 'user')?.content ?? '';
  const results = messages.filter((m) => m.role === 'tool').map((m) => JSON.parse(m.content ?? '{}') as Record<string, unknown>);
  const city = /forecast for ([A-Za-z]+)/i.exec(question)?.[1] ?? '';
  const forecast = results.find((r) => 'temp_f' in r);
  const converted = results.find((r) => 'celsius' in r);
  const failed = results.find((r) => 'error' in r);
  const call = (name: string, args: object) => ({
    ...base,
    choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: `call_${name}_${forecastCounter}`, type: 'function', function: { name, arguments: JSON.stringify(args) } }] }, finish_reason: 'tool_calls' }],
    usage: { prompt_tokens: 60, completion_tokens: 15, total_tokens: 75 },
  });
  if (results.length === 0) return call('get_forecast', { city });
  if (forecast && !converted && /celsius/i.test(question)) return call('convert_temperature', { fahrenheit: forecast.temp_f });
  const content = failed
    ? `The forecast tool failed: ${failed.error}`
    : `${city}: ${forecast?.conditions}, ${converted ? `${converted.celsius}°C` : `${forecast?.temp_f}°F`}.`;
  return { ...base, choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 120, completion_tokens: 12, total_tokens: 132 } };
}

function completion(messages: Message[], tools: string[] = []): object {
  const question = messages.find((m) => m.role === 'user')?.content ?? '';
  const toolResults = messages.filter((m) => m.role === 'tool').map((m) => JSON.parse(m.content ?? '{}') as Record<string, unknown>);
  if (tools.includes('get_forecast')) return forecastCompletion(messages);
  const id = `chatcmpl-fake-${++counter}`;
  const base = { id, object: 'chat.completion', created: 1_764_000_000, model: 'gpt-4o-mini-fake' };
  if (toolResults.length === 0) {
    const calls = [];
    const city = /weather in ([A-Za-z]+)/i.exec(question)?.[1];
    if (city) calls.push({ id: `call_w_${counter}`, type: 'function', function: { name: 'get_weather', arguments: JSON.stringify({ city }) } });
    const expression = /what is ([\d\s+\-*/().]+)\?/i.exec(question)?.[1]?.trim();
    if (expression) calls.push({ id: `call_c_${counter}`, type: 'function', function: { name: 'calculate', arguments: JSON.stringify({ expression }) } });
    if (calls.length > 0) {
      return { ...base, choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: calls }, finish_reason: 'tool_calls' }], usage: { prompt_tokens: 52, completion_tokens: 18, total_tokens: 70 } };
    }
  }
  const parts = toolResults.map((r) =>
    'temp_f' in r ? `It is ${r.temp_f}°F with ${r.conditions} in ${r.city}.` : 'value' in r ? `${r.expression} = ${r.value}.` : `A tool failed: ${r.error}.`,
  );
  const content = parts.length > 0 ? parts.join(' ') : `I can only help with weather and arithmetic.`;
  return { ...base, choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 90, completion_tokens: 20, total_tokens: 110 } };
}

/** Starts the fake on 127.0.0.1:`port`; resolves to a function that stops it. */
export async function startFakeApi(port = 4010): Promise<{ url: string; close: () => Promise<void>; requests: () => number }> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', async () => {
      requests++;
      // Like the real APIs: a fresh request id, timing and rate-limit counters on every response. tapedeck
      // keeps them, and a re-recording that changed nothing else keeps the previous ones (no churn).
      res.setHeader('x-request-id', `req_${randomUUID().replace(/-/g, '')}`);
      res.setHeader('openai-processing-ms', String(1 + Math.floor(Math.random() * 900)));
      res.setHeader('x-ratelimit-limit-requests', '10000');
      res.setHeader('x-ratelimit-remaining-requests', String(9000 + Math.floor(Math.random() * 999)));
      res.setHeader('x-ratelimit-remaining-tokens', String(150_000 + Math.floor(Math.random() * 49_999)));
      res.setHeader('x-ratelimit-reset-requests', `${1 + Math.floor(Math.random() * 999)}ms`);
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/weather') {
        const city = url.searchParams.get('city') ?? '';
        const w = WEATHER[city];
        res.writeHead(w ? 200 : 404, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify(w ? { city, ...w } : { error: `unknown city ${city}` }));
      }
      if (url.pathname === '/orgs/tapedeck/repos') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify([{ name: 'cassettes', stargazers_count: 310 }, { name: 'tapedeck', stargazers_count: 1200 }, { name: 'docs', stargazers_count: 12 }]));
      }
      if (url.pathname === '/repos/tapedeck/tapedeck/issues' && req.method === 'POST') {
        res.writeHead(201, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ number: 42, title: (JSON.parse(body) as { title: string }).title }));
      }
      if (url.pathname === '/v1/chat/completions' && req.method === 'POST') {
        const request = JSON.parse(body) as { messages: Message[]; stream?: boolean; tools?: Array<{ function: { name: string } }> };
        if (request.stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          const id = `chatcmpl-fake-${++counter}`;
          for (const piece of ['Replayed ', 'streams ', 'arrive ', 'chunk ', 'by ', 'chunk.']) {
            res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_764_000_000, model: 'gpt-4o-mini-fake', choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] })}\n\n`);
            await new Promise((r) => setTimeout(r, 20));
          }
          return void res.end('data: [DONE]\n\n');
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify(completion(request.messages, request.tools?.map((t) => t.function.name))));
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not found"}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
