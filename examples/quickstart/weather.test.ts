import { createServer } from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { withCassette } from 'tapedeck/vitest';
import { tool } from 'tapedeck';

// A stand-in for a real weather API, so this file runs as printed. Only the first run (recording) talks
// to it; later runs replay the cassettes, and strict: true below fails a test whose recording went unused.
const api = createServer((req, res) => {
  const city = new URL(req.url ?? '/', 'http://localhost').searchParams.get('city');
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(city === 'SFO' ? { city, temp_f: 62, conditions: 'fog' } : { city, temp_f: 48, conditions: 'rain' }));
});
beforeAll(() => new Promise<void>((resolve) => void api.listen(4011, '127.0.0.1', resolve)));
afterAll(() => new Promise<void>((resolve) => void api.close(() => resolve())));

// Any async function can be a tool. Inside withCassette its calls are recorded once, then replayed.
const getWeather = tool('weather.get', async (args: { city: string }) => {
  const res = await fetch(`http://127.0.0.1:4011/weather?city=${args.city}`);
  return (await res.json()) as { temp_f: number };
});

test(
  'it is 62°F in SFO',
  withCassette(async (cassette) => {
    const weather = await getWeather({ city: 'SFO' });
    expect(weather.temp_f).toBe(62);
    expect(cassette.entries.map((e) => e.toolId)).toEqual(['weather.get']);
  }),
);

// fetch, node:http and the openai / @anthropic-ai/sdk clients are taped too, with no wrapper.
test(
  'plain fetch is taped',
  withCassette({ strict: true }, async () => {
    const res = await fetch('http://127.0.0.1:4011/weather?city=NYC');
    expect(await res.json()).toMatchObject({ temp_f: 48 });
  }),
);
