import { createServer } from 'node:http';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { withCassette } from 'tapedeck/jest';
import { tool } from 'tapedeck';

// A stand-in for a real weather API, so this file runs as printed (only recording talks to it).
const api = createServer((req, res) => {
  const city = new URL(req.url ?? '/', 'http://localhost').searchParams.get('city');
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ city, temp_f: city === 'SFO' ? 62 : 48 }));
});
beforeAll(() => new Promise<void>((resolve) => void api.listen(4011, '127.0.0.1', resolve)));
afterAll(() => new Promise<void>((resolve) => void api.close(() => resolve())));

const getWeather = tool('weather.get', async (args: { city: string }) => {
  const res = await fetch(`http://127.0.0.1:4011/weather?city=${args.city}`);
  return (await res.json()) as { temp_f: number };
});

test(
  'it is 62°F in SFO',
  withCassette(async () => {
    expect((await getWeather({ city: 'SFO' })).temp_f).toBe(62);
  }),
);
