// The LLM wire formats tapedeck reads as conversations: OpenAI Chat Completions and Responses, Anthropic
// Messages, Google Gemini (AI SDK providers speak these same formats). Requests become messages; answers,
// JSON or streamed, become one reassembled Answer.
import { isJsonObject } from '../hash.js';
import type { Answer, LlmApi, Message, ToolCall } from './model.js';

type Json = Record<string, unknown>;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const obj = (value: unknown): Json | undefined => (isJsonObject(value) ? value : undefined);
const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** A tool call's arguments: providers send them as a JSON string; a string that is not JSON stays one. */
export function parseArgs(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? {};
  if (value.trim() === '') return {};
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/**
 * Which LLM API an HTTP call speaks, from its method and URL and, where the path is ambiguous (a proxy,
 * a gateway), from the shape of its request body; `undefined` for any other HTTP (listing stored chat
 * completions is a GET of the same path: not an exchange).
 */
export function detectApi(method: string, url: string, requestBody: unknown): LlmApi | undefined {
  if (method !== 'POST') return undefined;
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url;
  }
  const body = obj(requestBody);
  if (/:(?:stream)?generateContent$/i.test(path)) return 'gemini';
  if (/\/chat\/completions$/.test(path)) return 'openai-chat';
  if (/\/responses$/.test(path)) return 'openai-responses';
  if (/\/messages$/.test(path) && body !== undefined && Array.isArray(body.messages)) return 'anthropic-messages';
  return undefined;
}

/** The model a request asks for (Gemini names it in the URL path). */
export function requestModel(api: LlmApi, url: string, requestBody: unknown): string | undefined {
  if (api === 'gemini') return /\/models\/([^/:]+):/.exec(url)?.[1];
  return str(obj(requestBody)?.model);
}

/** Whether the request asked for a stream (Gemini: `streamGenerateContent`). */
export function requestStreams(api: LlmApi, url: string, requestBody: unknown): boolean {
  if (api === 'gemini') return /:streamGenerateContent/i.test(url);
  return obj(requestBody)?.stream === true;
}

// ---------------------------------------------------------------------------------------------------
// Requests

/** The messages a request sends, in order, the system prompt first. */
export function requestMessages(api: LlmApi, requestBody: unknown): Message[] {
  const body = obj(requestBody) ?? {};
  const messages = api === 'openai-chat' ? chatRequest(body) : api === 'openai-responses' ? responsesRequest(body) : api === 'anthropic-messages' ? anthropicRequest(body) : geminiRequest(body);
  nameToolResults(messages);
  return messages;
}

/** Tool results name only the call they answer: give them the called tool's name, for the reader. */
function nameToolResults(messages: Message[]): void {
  const names = new Map<string, string>();
  for (const message of messages) {
    for (const call of message.toolCalls ?? []) if (call.id !== undefined) names.set(call.id, call.name);
    const result = message.toolResult;
    if (result !== undefined && result.name === undefined && result.id !== undefined) {
      const name = names.get(result.id);
      if (name !== undefined) result.name = name;
    }
  }
}

/** Text of a content value that is a string or a list of parts (`{type:'text', text}`, images, files). */
function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const pieces: string[] = [];
  for (const part of content) {
    const p = obj(part);
    if (p === undefined) continue;
    const text = str(p.text) ?? str(p.refusal);
    if (text !== undefined) pieces.push(text);
    else if (typeof p.type === 'string' && !/tool_use|tool_result|function_call/.test(p.type)) pieces.push(`[${p.type}]`);
  }
  return pieces.length > 0 ? pieces.join('\n') : undefined;
}

function push(messages: Message[], message: Message): void {
  if (message.text === undefined && message.toolCalls === undefined && message.toolResult === undefined) return;
  messages.push(message);
}

function chatRequest(body: Json): Message[] {
  const messages: Message[] = [];
  for (const raw of arr(body.messages)) {
    const m = obj(raw);
    if (m === undefined) continue;
    const role = str(m.role);
    if (role === 'tool' || role === 'function') {
      messages.push({ role: 'tool', toolResult: { id: str(m.tool_call_id), name: str(m.name), content: contentText(m.content) ?? m.content } });
      continue;
    }
    const calls = arr(m.tool_calls).flatMap((c): ToolCall[] => {
      const call = obj(c);
      const fn = obj(call?.function);
      return fn === undefined ? [] : [{ id: str(call?.id), name: str(fn.name) ?? '?', args: parseArgs(fn.arguments) }];
    });
    push(messages, {
      role: role === 'system' || role === 'developer' ? 'system' : role === 'assistant' ? 'assistant' : 'user',
      ...(contentText(m.content) !== undefined ? { text: contentText(m.content) } : {}),
      ...(calls.length > 0 ? { toolCalls: calls } : {}),
    });
  }
  return messages;
}

function responsesRequest(body: Json): Message[] {
  const messages: Message[] = [];
  const instructions = str(body.instructions);
  if (instructions !== undefined) messages.push({ role: 'system', text: instructions });
  if (typeof body.input === 'string') {
    messages.push({ role: 'user', text: body.input });
    return messages;
  }
  for (const raw of arr(body.input)) {
    const item = obj(raw);
    if (item === undefined) continue;
    const type = str(item.type);
    if (type === 'function_call') {
      const call: ToolCall = { id: str(item.call_id), name: str(item.name) ?? '?', args: parseArgs(item.arguments) };
      const last = messages.at(-1);
      // The answer's output items come back as input items: a message and its calls are one turn.
      if (last?.role === 'assistant') (last.toolCalls ??= []).push(call);
      else messages.push({ role: 'assistant', toolCalls: [call] });
    } else if (type === 'function_call_output') {
      messages.push({ role: 'tool', toolResult: { id: str(item.call_id), content: contentText(item.output) ?? item.output } });
    } else if (type === undefined || type === 'message') {
      const role = str(item.role);
      const text = contentText(item.content);
      if (role === 'assistant') push(messages, { role: 'assistant', ...(text !== undefined ? { text } : {}) });
      else push(messages, { role: role === 'system' || role === 'developer' ? 'system' : 'user', ...(text !== undefined ? { text } : {}) });
    }
  }
  return messages;
}

function anthropicRequest(body: Json): Message[] {
  const messages: Message[] = [];
  const system = contentText(body.system);
  if (system !== undefined) messages.push({ role: 'system', text: system });
  for (const raw of arr(body.messages)) {
    const m = obj(raw);
    if (m === undefined) continue;
    if (typeof m.content === 'string') {
      messages.push({ role: m.role === 'assistant' ? 'assistant' : 'user', text: m.content });
      continue;
    }
    const texts: string[] = [];
    const calls: ToolCall[] = [];
    for (const rawBlock of arr(m.content)) {
      const block = obj(rawBlock);
      if (block === undefined) continue;
      if (block.type === 'tool_result') {
        messages.push({
          role: 'tool',
          toolResult: { id: str(block.tool_use_id), content: contentText(block.content) ?? block.content, ...(block.is_error === true ? { isError: true } : {}) },
        });
      } else if (block.type === 'tool_use') calls.push({ id: str(block.id), name: str(block.name) ?? '?', args: block.input ?? {} });
      else if (typeof block.text === 'string') texts.push(block.text);
      else if (typeof block.type === 'string' && block.type !== 'thinking' && block.type !== 'redacted_thinking') texts.push(`[${block.type}]`);
    }
    push(messages, {
      role: m.role === 'assistant' ? 'assistant' : 'user',
      ...(texts.length > 0 ? { text: texts.join('\n') } : {}),
      ...(calls.length > 0 ? { toolCalls: calls } : {}),
    });
  }
  return messages;
}

function geminiRequest(body: Json): Message[] {
  const messages: Message[] = [];
  const system = obj(body.systemInstruction ?? body.system_instruction);
  const systemText = arr(system?.parts)
    .map((p) => str(obj(p)?.text))
    .filter((t): t is string => t !== undefined);
  if (systemText.length > 0) messages.push({ role: 'system', text: systemText.join('\n') });
  for (const raw of arr(body.contents)) {
    const content = obj(raw);
    if (content === undefined) continue;
    const texts: string[] = [];
    const calls: ToolCall[] = [];
    for (const rawPart of arr(content.parts)) {
      const part = obj(rawPart);
      if (part === undefined || part.thought === true) continue;
      const call = obj(part.functionCall);
      const response = obj(part.functionResponse);
      if (call !== undefined) calls.push({ ...(str(call.id) !== undefined ? { id: str(call.id) } : {}), name: str(call.name) ?? '?', args: call.args ?? {} });
      else if (response !== undefined) messages.push({ role: 'tool', toolResult: { id: str(response.id), name: str(response.name), content: response.response } });
      else if (typeof part.text === 'string') texts.push(part.text);
    }
    push(messages, {
      role: content.role === 'model' ? 'assistant' : 'user',
      ...(texts.length > 0 ? { text: texts.join('') } : {}),
      ...(calls.length > 0 ? { toolCalls: calls } : {}),
    });
  }
  return messages;
}

// ---------------------------------------------------------------------------------------------------
// Answers

/**
 * The events of a streamed body as objects: stored SSE events (`{ data: '{…}' }`), events already parsed
 * (the verify view), or a Gemini JSON array. `[DONE]` and events that are not JSON objects are left out.
 */
export function streamEvents(sse: unknown): Json[] {
  const out: Json[] = [];
  for (const event of arr(sse)) {
    const stored = obj(event);
    if (stored !== undefined && typeof stored.data === 'string' && Object.keys(stored).every((k) => SSE_FIELDS.has(k))) {
      try {
        const data: unknown = JSON.parse(stored.data);
        if (isJsonObject(data)) out.push(data);
      } catch {
        // `[DONE]` and other non-JSON events carry no part of the answer.
      }
    } else if (stored !== undefined) out.push(stored);
  }
  return out;
}

const SSE_FIELDS = new Set(['data', 'event', 'id', 'retry', 'delayMs']);

/** The answer in a response body (`{ json }` or `{ sse }`), or `undefined` when it holds none. */
export function readAnswer(api: LlmApi, body: unknown): { answer: Answer; model?: string; events?: number } | undefined {
  const b = obj(body);
  if (b === undefined) return undefined;
  if ('sse' in b) {
    const events = streamEvents(b.sse);
    const read = api === 'openai-chat' ? chatStream(events) : api === 'openai-responses' ? responsesStream(events) : api === 'anthropic-messages' ? anthropicStream(events) : geminiChunks(events);
    return read === undefined ? undefined : { ...read, events: arr(b.sse).length };
  }
  if (api === 'gemini' && Array.isArray(b.json)) return geminiChunks(arr(b.json).filter(isJsonObject));
  const json = obj(b.json);
  if (json === undefined) return undefined;
  if (api === 'openai-chat') return chatJson(json);
  if (api === 'openai-responses') return responsesJson(json);
  if (api === 'anthropic-messages') return anthropicJson(json);
  return geminiChunks([json]);
}

type Read = { answer: Answer; model?: string } | undefined;

function chatJson(json: Json): Read {
  const choice = obj(arr(json.choices)[0]);
  const message = obj(choice?.message);
  if (message === undefined) return undefined;
  const toolCalls = arr(message.tool_calls).flatMap((c): ToolCall[] => {
    const fn = obj(obj(c)?.function);
    return fn === undefined ? [] : [{ id: str(obj(c)?.id), name: str(fn.name) ?? '?', args: parseArgs(fn.arguments) }];
  });
  return {
    answer: { text: str(message.content) ?? str(message.refusal) ?? '', toolCalls, ...finish(choice?.finish_reason) },
    model: str(json.model),
  };
}

function finish(reason: unknown): { finishReason?: string } {
  return typeof reason === 'string' && reason !== '' ? { finishReason: reason } : {};
}

function chatStream(events: Json[]): Read {
  if (events.length === 0) return undefined;
  let text = '';
  let model: string | undefined;
  let reason: unknown;
  const calls: Array<{ id?: string; name: string; args: string }> = [];
  for (const chunk of events) {
    model = str(chunk.model) ?? model;
    for (const rawChoice of arr(chunk.choices)) {
      const choice = obj(rawChoice);
      if (choice === undefined || (typeof choice.index === 'number' && choice.index !== 0)) continue;
      const delta = obj(choice.delta);
      text += str(delta?.content) ?? str(delta?.refusal) ?? '';
      for (const rawCall of arr(delta?.tool_calls)) {
        const call = obj(rawCall);
        if (call === undefined) continue;
        const at = typeof call.index === 'number' ? call.index : calls.length;
        const slot = (calls[at] ??= { name: '', args: '' });
        if (typeof call.id === 'string') slot.id = call.id;
        const fn = obj(call.function);
        slot.name += str(fn?.name) ?? '';
        slot.args += str(fn?.arguments) ?? '';
      }
      if (choice.finish_reason !== null && choice.finish_reason !== undefined) reason = choice.finish_reason;
    }
  }
  const toolCalls = calls.filter(Boolean).map((c) => ({ ...(c.id !== undefined ? { id: c.id } : {}), name: c.name, args: parseArgs(c.args) }));
  return { answer: { text, toolCalls, ...finish(reason) }, model };
}

function responsesJson(json: Json): Read {
  if (!Array.isArray(json.output)) return undefined;
  const { text, toolCalls } = responsesOutput(arr(json.output));
  const incomplete = str(obj(json.incomplete_details)?.reason);
  return { answer: { text, toolCalls, ...finish(incomplete !== undefined ? `${str(json.status) ?? 'incomplete'}: ${incomplete}` : json.status) }, model: str(json.model) };
}

function responsesOutput(output: unknown[]): { text: string; toolCalls: ToolCall[] } {
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  for (const raw of output) {
    const item = obj(raw);
    if (item?.type === 'message') {
      const text = contentText(item.content);
      if (text !== undefined) texts.push(text);
    } else if (item?.type === 'function_call') {
      toolCalls.push({ id: str(item.call_id), name: str(item.name) ?? '?', args: parseArgs(item.arguments) });
    }
  }
  return { text: texts.join('\n'), toolCalls };
}

function responsesStream(events: Json[]): Read {
  // The closing event carries the whole response; without it (a cut stream) the items done so far.
  const closing = events.findLast((e) => typeof e.type === 'string' && /^response\.(?:completed|incomplete|failed)$/.test(e.type) && isJsonObject(e.response));
  if (closing !== undefined) return responsesJson(closing.response as Json);
  const done = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);
  const model = str(obj(events.find((e) => isJsonObject(e.response))?.response)?.model);
  if (done.length > 0) return { answer: responsesOutput(done), model };
  const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => str(e.delta) ?? '').join('');
  return events.length === 0 ? undefined : { answer: { text, toolCalls: [] }, model };
}

function anthropicJson(json: Json): Read {
  if (!Array.isArray(json.content)) return undefined;
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  for (const raw of arr(json.content)) {
    const block = obj(raw);
    if (block?.type === 'text') texts.push(str(block.text) ?? '');
    else if (block?.type === 'tool_use') toolCalls.push({ id: str(block.id), name: str(block.name) ?? '?', args: block.input ?? {} });
  }
  return { answer: { text: texts.join(''), toolCalls, ...finish(json.stop_reason) }, model: str(json.model) };
}

function anthropicStream(events: Json[]): Read {
  if (events.length === 0) return undefined;
  let model: string | undefined;
  let reason: unknown;
  const blocks: Array<{ type: string; text: string; id?: string; name?: string; json: string; input?: unknown }> = [];
  for (const event of events) {
    if (event.type === 'message_start') model = str(obj(event.message)?.model) ?? model;
    else if (event.type === 'content_block_start' && typeof event.index === 'number') {
      const block = obj(event.content_block) ?? {};
      blocks[event.index] = { type: str(block.type) ?? '?', text: str(block.text) ?? '', id: str(block.id), name: str(block.name), json: '', input: block.input };
    } else if (event.type === 'content_block_delta' && typeof event.index === 'number') {
      const slot = (blocks[event.index] ??= { type: 'text', text: '', json: '' });
      const delta = obj(event.delta);
      if (delta?.type === 'text_delta') slot.text += str(delta.text) ?? '';
      else if (delta?.type === 'input_json_delta') slot.json += str(delta.partial_json) ?? '';
    } else if (event.type === 'message_delta') {
      const r = obj(event.delta)?.stop_reason;
      if (r !== null && r !== undefined) reason = r;
    }
  }
  const texts = blocks.filter((b) => b?.type === 'text').map((b) => b.text);
  const toolCalls = blocks
    .filter((b) => b?.type === 'tool_use')
    .map((b) => ({ ...(b.id !== undefined ? { id: b.id } : {}), name: b.name ?? '?', args: b.json !== '' ? parseArgs(b.json) : isJsonObject(b.input) && Object.keys(b.input).length > 0 ? b.input : {} }));
  return { answer: { text: texts.join(''), toolCalls, ...finish(reason) }, model };
}

function geminiChunks(chunks: Json[]): Read {
  if (chunks.length === 0) return undefined;
  let text = '';
  let model: string | undefined;
  let reason: unknown;
  const toolCalls: ToolCall[] = [];
  for (const chunk of chunks) {
    model = str(chunk.modelVersion) ?? model;
    const candidate = obj(arr(chunk.candidates)[0]);
    for (const rawPart of arr(obj(candidate?.content)?.parts)) {
      const part = obj(rawPart);
      if (part === undefined || part.thought === true) continue;
      const call = obj(part.functionCall);
      if (call !== undefined) toolCalls.push({ ...(str(call.id) !== undefined ? { id: str(call.id) } : {}), name: str(call.name) ?? '?', args: call.args ?? {} });
      else text += str(part.text) ?? '';
    }
    if (candidate?.finishReason !== undefined) reason = candidate.finishReason;
  }
  return { answer: { text, toolCalls, ...finish(reason) }, model };
}

/** The answer as the assistant message the next request sends back (for spotting repeated history). */
export function answerMessage(answer: Answer): Message | undefined {
  if (answer.text === '' && answer.toolCalls.length === 0) return undefined;
  return { role: 'assistant', ...(answer.text !== '' ? { text: answer.text } : {}), ...(answer.toolCalls.length > 0 ? { toolCalls: answer.toolCalls } : {}) };
}

/** The provider's error message in an error response body, if it has one. */
export function errorMessage(body: unknown): string | undefined {
  const json = obj(obj(body)?.json);
  const error = json?.error;
  if (typeof error === 'string') return error;
  return str(obj(error)?.message) ?? str(json?.message);
}
