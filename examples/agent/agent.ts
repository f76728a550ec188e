// A small but real tool-using agent: OpenAI chat completions with tool calls, looping until the model
// answers. Nothing in it knows about tapedeck except that its tools are wrapped with tool().
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { calculate, getWeather } from './tools.js';

const TOOLS: ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  },
  {
    type: 'function',
    function: { name: 'calculate', description: 'Evaluate an arithmetic expression', parameters: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] } },
  },
];

const IMPLEMENTATIONS: Record<string, (args: never) => Promise<unknown>> = { get_weather: getWeather, calculate };

/** The OpenAI client the example uses: the real SDK, pointed at OPENAI_BASE_URL (a loopback fake here). */
export function createClient(): OpenAI {
  return new OpenAI({
    apiKey: process.env.OPENAI_API_KEY ?? 'sk-example-0000000000000000000000',
    baseURL: process.env.OPENAI_BASE_URL ?? 'http://127.0.0.1:4010/v1',
    maxRetries: 0,
  });
}

/** Asks the model, runs the tools it calls, and returns its final answer. */
export async function runAgent(question: string, openai: OpenAI = createClient()): Promise<string> {
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You answer with the help of tools.' },
    { role: 'user', content: question },
  ];
  for (let turn = 0; turn < 5; turn++) {
    const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: TOOLS, temperature: 0 });
    const message = completion.choices[0]!.message;
    messages.push(message);
    if (!message.tool_calls?.length) return message.content ?? '';
    for (const call of message.tool_calls) {
      if (call.type !== 'function') continue;
      const impl = IMPLEMENTATIONS[call.function.name];
      const result = impl ? await impl(JSON.parse(call.function.arguments) as never).catch((e: Error) => ({ error: e.message })) : { error: 'unknown tool' };
      messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) });
    }
  }
  throw new Error('the agent did not answer within 5 turns');
}

/** The same question, answered as a stream of text deltas. */
export async function streamAnswer(question: string, openai: OpenAI = createClient()): Promise<string[]> {
  const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: question }], stream: true });
  const deltas: string[] = [];
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta?.content;
    if (delta) deltas.push(delta);
  }
  return deltas;
}
