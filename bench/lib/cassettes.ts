// Realistic cassettes for the load / save / heap measurements: an agent's mix of tool calls, JSON chat
// completions and streamed (SSE) completions, about 1 KB of pretty-printed file per entry.
import { ToolCallCassette } from '../../src/index.js';
import { rng } from './stats.js';

const CITIES = ['SFO', 'NYC', 'LHR', 'CDG', 'NRT', 'SYD', 'GRU', 'JNB', 'BOM', 'YYZ'];
const WORDS = 'the weather is mild and the flight leaves early so pack light and check the forecast again tonight'.split(' ');

/** A cassette of `count` entries, the same for the same count. */
export function realisticCassette(count: number): ToolCallCassette {
  const rand = rng(count);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const sentence = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const c = new ToolCallCassette();
  for (let i = 0; i < count; i++) {
    const kind = i % 4;
    const city = pick(CITIES);
    if (kind === 0 || kind === 1) {
      c.record({
        toolId: kind === 0 ? 'weather.get' : 'fx.convert',
        args: kind === 0 ? [{ city, units: 'f', day: i }] : [{ from: 'USD', to: 'EUR', amount: Math.round(rand() * 1000), n: i }],
        output: kind === 0 ? { city, temp_f: 40 + Math.floor(rand() * 50), conditions: pick(['sunny', 'overcast', 'rain']), hourly: [1, 2, 3, 4].map((h) => ({ h, t: 40 + Math.floor(rand() * 50) })) } : { rate: 0.9 + rand() / 10 },
      });
      continue;
    }
    const body = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are a travel assistant. Use the tools, cite them, never invent numbers.' },
        { role: 'user', content: `Plan day ${i} in ${city}: ${sentence(8)}?` },
      ],
      tools: [{ type: 'function', function: { name: 'weather_get', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      stream: kind === 3,
    };
    const answer = `In ${city}: ${sentence(20)}.`;
    const value =
      kind === 3
        ? { status: 200, statusText: 'OK', headers: { 'content-type': 'text/event-stream' }, body: { sse: answer.split(' ').slice(0, 8).map((w) => ({ data: JSON.stringify({ id: `chatcmpl-${i}`, choices: [{ index: 0, delta: { content: `${w} ` } }] }) })) } }
        : { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json', 'x-request-id': `req_${i}` }, body: { json: { id: `chatcmpl-${i}`, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }], usage: { prompt_tokens: 80 + i, completion_tokens: 24 } } } };
    c.record({ toolId: 'http:POST https://api.openai.com/v1/chat/completions', args: { query: {}, body }, output: value });
  }
  c.updateMeta({ tapedeck: '0.1.0', recordedAt: '2026-11-23T10:00:00.000Z', environment: { node: 'v20.20.2', platform: 'linux-x64', packages: { openai: '6.49.0' } } });
  return c;
}
