// vitest: the MCP agent, recorded once (`npm run example:record`), then replayed offline: the model's
// HTTP calls and the MCP server's answers come from the cassette, and the server is never started.
import { describe, expect, test } from 'vitest';
import { resolveMode } from 'tapedeck';
import { withCassette } from 'tapedeck/vitest';
import { connectWeather, runAgent, serverStarts } from './agent.js';

describe('MCP weather agent', () => {
  test(
    'answers with two MCP tools',
    withCassette(async () => {
      const mcp = await connectWeather();
      try {
        expect(await runAgent('What is the forecast for Paris, in Celsius?', mcp)).toBe('Paris: clouds, 12.8°C.');
      } finally {
        await mcp.close();
      }
      if (resolveMode() === 'replay') expect(serverStarts()).toBe(0);
    }),
  );

  test(
    'reads a failed tool call back to the model',
    withCassette(async () => {
      const mcp = await connectWeather();
      try {
        expect(await runAgent('What is the forecast for Atlantis?', mcp)).toMatch(/^The forecast tool failed: weather API answered 404/);
      } finally {
        await mcp.close();
      }
    }),
  );
});
