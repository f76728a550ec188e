// An agent whose tools live in an MCP server: it lists them, hands them to the OpenAI SDK, calls the
// ones the model asks for, and loops until the model answers. Nothing in it knows about tapedeck except
// that its transport is wrapped with mcpTransport().
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import type OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { mcpTransport } from 'tapedeck/mcp';
import { createClient } from '../agent/agent.js';

/** The server script (the examples run from the repository's root, as `npm run example` does). */
const SERVER = join(process.cwd(), 'examples', 'mcp-agent', 'server.ts');

let spawned = 0;
/** How many times this process started the MCP server: zero when every call replays. */
export const serverStarts = (): number => spawned;

/**
 * Connects to the weather MCP server. The stdio transport is made in a factory, so tapedeck starts the
 * server only when a call must go live (recording); replay spawns nothing.
 */
export async function connectWeather(): Promise<Client> {
  const client = new Client({ name: 'mcp-agent', version: '1.0.0' });
  await client.connect(
    mcpTransport('weather', () => {
      spawned++;
      const env = { ...getDefaultEnvironment() };
      for (const name of ['WEATHER_API_URL', 'MCP_SPAWN_LOG']) if (process.env[name] !== undefined) env[name] = process.env[name]!;
      return new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', SERVER], env, stderr: 'inherit' });
    }),
  );
  return client;
}

/** Asks the model with the server's tools, runs the tool calls it makes through MCP, and returns its answer. */
export async function runAgent(question: string, mcp: Client, openai: OpenAI = createClient()): Promise<string> {
  const tools: ChatCompletionTool[] = (await mcp.listTools()).tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description ?? '', parameters: t.inputSchema },
  }));
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You answer with the help of tools.' },
    { role: 'user', content: question },
  ];
  for (let turn = 0; turn < 6; turn++) {
    const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, tools, temperature: 0 });
    const message = completion.choices[0]!.message;
    messages.push(message);
    if (!message.tool_calls?.length) return message.content ?? '';
    for (const call of message.tool_calls) {
      if (call.type !== 'function') continue;
      const result = await mcp.callTool({ name: call.function.name, arguments: JSON.parse(call.function.arguments) as Record<string, unknown> });
      const text = (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('');
      messages.push({ role: 'tool', tool_call_id: call.id, content: result.isError ? JSON.stringify({ error: text }) : text });
    }
  }
  throw new Error('the agent did not answer within 6 turns');
}
