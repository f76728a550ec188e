// jest: the same agent, the same API from 'tapedeck/jest'.
import { describe, expect, test } from '@jest/globals';
import { withCassette } from 'tapedeck/jest';
import { runAgent } from './agent.js';

describe('weather agent under jest', () => {
  test(
    'answers with both tools',
    withCassette(async () => {
      const answer = await runAgent('What is the weather in Paris, and what is 55 - 32?');
      expect(answer).toBe('It is 55°F with clouds in Paris. 55 - 32 = 23.');
    }),
  );
});
