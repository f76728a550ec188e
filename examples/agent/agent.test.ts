// vitest: every test gets its own cassette under __cassettes__/agent.test.ts/, recorded once, then
// replayed offline. Re-record with `RECORD=1 npx vitest run ...` (or `npm run example:record`).
import { describe, expect, test } from 'vitest';
import { withCassette } from 'tapedeck/vitest';
import { runAgent, streamAnswer } from './agent.js';
import { calculate, getWeather } from './tools.js';

describe('weather agent', () => {
  test(
    'answers with both tools',
    withCassette(async () => {
      const answer = await runAgent('What is the weather in SFO, and what is (62 - 32) * 5 / 9?');
      expect(answer).toBe('It is 62°F with fog in SFO. (62 - 32) * 5 / 9 = 16.667.');
    }),
  );

  test(
    'says what it cannot do',
    withCassette(async () => {
      expect(await runAgent('Tell me a joke')).toMatch(/only help with weather and arithmetic/);
    }),
  );

  test(
    'streams an answer chunk by chunk',
    withCassette(async () => {
      const deltas = await streamAnswer('How do replayed streams arrive?');
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.join('')).toBe('Replayed streams arrive chunk by chunk.');
    }),
  );
});

test(
  'tools can be tested on their own, strictly',
  withCassette({ strict: true }, async () => {
    await expect(getWeather({ city: 'NYC' })).resolves.toEqual({ city: 'NYC', temp_f: 48, conditions: 'rain' });
    await expect(calculate({ expression: '2 * (3 + 4)' })).resolves.toEqual({ expression: '2 * (3 + 4)', value: 14 });
  }),
);
