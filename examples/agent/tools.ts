// The agent's tools: plain async functions wrapped with tool(), so tapedeck records and replays them.
import { tool } from 'tapedeck';
import { z } from 'zod';

/** Where the weather API lives (a loopback fake in this example; `npm run example:record` starts it). */
export const WEATHER_API_URL = process.env.WEATHER_API_URL ?? 'http://127.0.0.1:4010';

export interface Weather {
  city: string;
  temp_f: number;
  conditions: string;
}

/** Looks the weather up over HTTP. Taped as one call: its inner fetch is not recorded separately. */
export const getWeather = tool(
  'weather.get',
  async ({ city }: { city: string }): Promise<Weather> => {
    const res = await fetch(`${WEATHER_API_URL}/weather?city=${encodeURIComponent(city)}`);
    if (!res.ok) throw new Error(`weather API answered ${res.status} for ${city}`);
    return (await res.json()) as Weather;
  },
  // The schema validates every call and is part of the tool's signature: change it, and cassettes
  // recorded with the old one refuse to replay (tool-signature-mismatch) instead of lying.
  { schema: z.object({ city: z.string().min(1) }), version: '1' },
);

/** Evaluates + - * / and parentheses over numbers: no eval(). */
export const calculate = tool('math.calculate', async ({ expression }: { expression: string }) => ({ expression, value: evaluate(expression) }), {
  schema: z.object({ expression: z.string() }),
});

function evaluate(text: string): number {
  let i = 0;
  const peek = () => text.slice(i).trimStart()[0];
  const eat = (ch: string) => {
    while (text[i] === ' ') i++;
    if (text[i] !== ch) throw new Error(`expected ${ch} at ${i} in ${JSON.stringify(text)}`);
    i++;
  };
  const number = (): number => {
    while (text[i] === ' ') i++;
    if (peek() === '(') {
      eat('(');
      const v = sum();
      eat(')');
      return v;
    }
    if (peek() === '-') {
      eat('-');
      return -number();
    }
    const m = /^\d+(?:\.\d+)?/.exec(text.slice(i));
    if (!m) throw new Error(`expected a number at ${i} in ${JSON.stringify(text)}`);
    i += m[0].length;
    return Number(m[0]);
  };
  const product = (): number => {
    let v = number();
    for (let op = peek(); op === '*' || op === '/'; op = peek()) {
      eat(op);
      v = op === '*' ? v * number() : v / number();
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    for (let op = peek(); op === '+' || op === '-'; op = peek()) {
      eat(op);
      v = op === '+' ? v + product() : v - product();
    }
    return v;
  };
  const value = sum();
  if (text.slice(i).trim() !== '') throw new Error(`unexpected ${JSON.stringify(text.slice(i))}`);
  return Math.round(value * 1000) / 1000;
}
