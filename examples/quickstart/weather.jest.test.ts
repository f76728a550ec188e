import { expect, test } from '@jest/globals';
import { withCassette } from 'tapedeck/jest';
import { tool } from 'tapedeck';

const getWeather = tool('weather.get', async (args: { city: string }) => {
  const res = await fetch(`http://127.0.0.1:4010/weather?city=${args.city}`);
  return (await res.json()) as { temp_f: number };
});

test(
  'it is 62°F in SFO',
  withCassette(async () => {
    expect((await getWeather({ city: 'SFO' })).temp_f).toBe(62);
  }),
);
