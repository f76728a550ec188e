// A two-turn tool-using conversation per API, on the real SDKs (Gemini: its REST API through fetch),
// against the fakes of agent-fakes.ts. The tool's result is a constant: only the model's side changes.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startAnthropicToolFake, startGeminiFake, startResponsesFake, type FakeChange } from './agent-fakes.js';
import type { LoopbackServer } from './server.js';

const WEATHER = JSON.stringify({ city: 'SFO', temp_f: 62 });
export type Agent = (base: string) => Promise<unknown>;

/** An agent to run against a fake, by the API it speaks. */
export const agents: Record<string, { start: (change: () => FakeChange) => Promise<LoopbackServer>; run: Agent }> = {
  'OpenAI Responses (streamed)': {
    start: startResponsesFake,
    run: async (base) => {
      const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${base}/v1`, maxRetries: 0 });
      const ask = async (input: OpenAI.Responses.ResponseInput) => {
        for await (const event of await openai.responses.create({ model: 'gpt-4.1-mini', input, stream: true })) if (event.type === 'response.completed') return event.response;
        throw new Error('no response.completed');
      };
      const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'Weather in SFO?' }];
      for (const item of (await ask(input)).output) if (item.type === 'function_call') input.push(item, { type: 'function_call_output', call_id: item.call_id, output: WEATHER });
      return (await ask(input)).output;
    },
  },
  'Anthropic Messages (streamed tool_use)': {
    start: startAnthropicToolFake,
    run: async (base) => {
      const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: base, maxRetries: 0 });
      const ask = (messages: Anthropic.MessageParam[]) => client.messages.stream({ model: 'claude-sonnet-4', max_tokens: 256, messages }).finalMessage();
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in SFO?' }];
      const first = await ask(messages);
      const calls = first.content.filter((b) => b.type === 'tool_use');
      messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: calls.map((b) => ({ type: 'tool_result' as const, tool_use_id: b.id, content: WEATHER })) });
      return (await ask(messages)).content;
    },
  },
  'Gemini (JSON)': {
    start: startGeminiFake,
    run: async (base) => {
      const ask = async (contents: unknown[]) => {
        const response = await fetch(`${base}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contents }) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return ((await response.json()) as { candidates: Array<{ content: { parts: Array<{ functionCall?: { name: string } }> } }> }).candidates[0]!.content.parts;
      };
      const contents: unknown[] = [{ role: 'user', parts: [{ text: 'Weather in SFO?' }] }];
      const parts = await ask(contents);
      contents.push({ role: 'model', parts }, { role: 'user', parts: parts.filter((p) => p.functionCall).map((p) => ({ functionResponse: { name: p.functionCall!.name, response: JSON.parse(WEATHER) as unknown } })) });
      return ask(contents);
    },
  },
};

