import { expect, test } from 'vitest';
import { withCassette } from 'tapedeck/vitest';
import { tool } from 'tapedeck';

// Any async function can be a tool. Inside withCassette its calls are recorded once, then replayed.
const getWeather = tool('weather.get', async (args: { city: string }) => {
  const res = await fetch(`http://127.0.0.1:4010/weather?city=${args.city}`);
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
    const res = await fetch('http://127.0.0.1:4010/weather?city=NYC');
    expect(await res.json()).toMatchObject({ temp_f: 48 });
  }),
);
