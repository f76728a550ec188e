// jest: the same MCP agent, the same API from 'tapedeck/jest'.
import { describe, expect, test } from '@jest/globals';
import { resolveMode } from 'tapedeck';
import { withCassette } from 'tapedeck/jest';
import { connectWeather, runAgent, serverStarts } from './agent.js';

describe('MCP weather agent under jest', () => {
  test(
    'answers with two MCP tools',
    withCassette(async () => {
      const mcp = await connectWeather();
      try {
        expect(await runAgent('What is the forecast for NYC, in Celsius?', mcp)).toBe('NYC: rain, 8.9°C.');
      } finally {
        await mcp.close();
      }
      if (resolveMode() === 'replay') expect(serverStarts()).toBe(0);
    }),
  );
});
