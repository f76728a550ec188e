// A small but real MCP server, written with the SDK's McpServer and served over stdio: two tools, one
// of which calls an HTTP API (the loopback fake of examples/fake-api.ts). tapedeck is not in here: the
// agent's side tapes the MCP traffic, so under replay this process is never started at all.
import { appendFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const WEATHER_API_URL = process.env.WEATHER_API_URL ?? 'http://127.0.0.1:4010';
// examples/run.ts counts the starts: replaying the examples must start this server zero times.
if (process.env.MCP_SPAWN_LOG) appendFileSync(process.env.MCP_SPAWN_LOG, `${process.pid}\n`);

const server = new McpServer({ name: 'weather', version: '1.0.0' });

server.registerTool(
  'get_forecast',
  { description: 'Current weather for a city, in °F', inputSchema: { city: z.string() } },
  async ({ city }) => {
    const res = await fetch(`${WEATHER_API_URL}/weather?city=${encodeURIComponent(city)}`);
    const text = await res.text();
    // A tool failure is a result the model reads (isError), not a protocol error.
    if (!res.ok) return { isError: true, content: [{ type: 'text' as const, text: `weather API answered ${res.status}: ${text}` }] };
    return { content: [{ type: 'text' as const, text }] };
  },
);

server.registerTool(
  'convert_temperature',
  { description: 'Converts °F to °C', inputSchema: { fahrenheit: z.number() } },
  async ({ fahrenheit }) => ({
    content: [{ type: 'text' as const, text: JSON.stringify({ fahrenheit, celsius: Math.round((((fahrenheit - 32) * 5) / 9) * 10) / 10 }) }],
  }),
);

await server.connect(new StdioServerTransport());
