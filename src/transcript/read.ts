import { basename } from 'node:path';
import { canonicalJson, isJsonObject, type JsonValue } from '../hash.js';
import type { CassetteFile, Entry } from '../format.js';
import type { StoredResponse } from '../http/exchange.js';
import { addUsage, responseUsage, type UsageByModel } from '../usage.js';
import { answerMessage, detectApi, errorMessage, readAnswer, requestMessages, requestModel, requestStreams } from './llm.js';
import type { HttpStep, LlmStep, McpStep, Message, Step, ToolStep, Transcript } from './model.js';

/** How long a non-LLM HTTP body may be when shown. */
const SHORT_BODY = 200;

/** `http:POST https://host/path` -> method and URL (with the recorded query, if any). */
export function splitHttpToolId(toolId: string, args: unknown): { method: string; url: string } {
  const rest = toolId.slice('http:'.length);
  const space = rest.indexOf(' ');
  const method = space < 0 ? rest : rest.slice(0, space);
  let url = space < 0 ? '' : rest.slice(space + 1);
  const query = isJsonObject(args) && isJsonObject(args.query) ? args.query : {};
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) for (const one of Array.isArray(value) ? value : [value]) params.append(name, String(one));
  if (params.size > 0) url += `?${params.toString()}`;
  return { method, url };
}

/** The error a recorded failure shows: `name: message`. */
function recordedError(entry: Entry): string | undefined {
  return entry.result.ok ? undefined : `${entry.result.error.name}: ${entry.result.error.message}`;
}

/** A short, one-line view of a response body. */
export function shortBody(body: unknown, max = SHORT_BODY): string | undefined {
  if (!isJsonObject(body)) return undefined;
  let text: string;
  if ('json' in body) text = JSON.stringify(body.json) ?? '';
  else if (typeof body.text === 'string') text = body.text;
  else if (typeof body.base64 === 'string') return `(${Buffer.from(body.base64, 'base64').length} bytes of binary)`;
  else if (Array.isArray(body.sse)) text = body.sse.map((e) => (isJsonObject(e) && typeof e.data === 'string' ? e.data : '')).join(' ');
  else return undefined;
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Reads one recorded call. */
export function readStep(entry: Entry, index: number): Step {
  const { toolId } = entry;
  if (toolId.startsWith('http:')) return readHttp(entry, index);
  const ok = entry.result.ok;
  const value = entry.result.ok ? entry.result.value : undefined;
  const error = recordedError(entry);
  if (toolId.startsWith('mcp:')) {
    const rest = toolId.slice('mcp:'.length);
    const space = rest.indexOf(' ');
    const step: McpStep = { kind: 'mcp', index, toolId, server: space < 0 ? rest : rest.slice(0, space), operation: space < 0 ? '' : rest.slice(space + 1), args: entry.args, ok };
    return Object.assign(step, ok ? { result: value } : { error });
  }
  // tool() records the argument list: one argument is shown as itself.
  const args = Array.isArray(entry.args) && entry.args.length === 1 ? (entry.args[0] as unknown) : entry.args;
  const step: ToolStep = { kind: 'tool', index, toolId, args, ok };
  return Object.assign(step, ok ? { result: value } : { error });
}

function readHttp(entry: Entry, index: number): LlmStep | HttpStep {
  const { method, url } = splitHttpToolId(entry.toolId, entry.args);
  const requestBody = isJsonObject(entry.args) ? entry.args.body : undefined;
  const response = entry.result.ok ? (entry.result.value as StoredResponse) : undefined;
  const api = detectApi(method, url, requestBody);
  if (api === undefined) {
    const step: HttpStep = { kind: 'http', index, toolId: entry.toolId, method, url };
    if (response === undefined) return { ...step, error: recordedError(entry) };
    const body = shortBody(response.body);
    return { ...step, status: response.status, ...(body !== undefined && body !== '' ? { body } : {}) };
  }
  const step: LlmStep = {
    kind: 'llm',
    index,
    toolId: entry.toolId,
    api,
    method,
    url,
    stream: requestStreams(api, url, requestBody),
    request: requestMessages(api, requestBody),
    repeated: 0,
  };
  const asked = requestModel(api, url, requestBody);
  if (asked !== undefined) step.model = asked;
  if (response === undefined) {
    step.error = recordedError(entry);
    return step;
  }
  step.status = response.status;
  if (response.status >= 400) step.error = `HTTP ${response.status}${errorMessage(response.body) !== undefined ? `: ${errorMessage(response.body)}` : ''}`;
  const read = response.status < 400 ? readAnswer(api, response.body) : undefined;
  if (read !== undefined) {
    step.answer = read.answer;
    if (read.model !== undefined) step.model = read.model;
    if (read.events !== undefined) step.events = read.events;
  }
  const usage = responseUsage(response);
  if (usage !== undefined) step.tokens = { input: usage.input, output: usage.output };
  if ('sse' in response.body && response.body.sse.some((e) => e.delayMs !== undefined)) {
    step.latencyMs = response.body.sse.reduce((sum, e) => sum + (e.delayMs ?? 0), 0);
  }
  return step;
}

/** A message as compared (repeated history, diffs): ids left out (they are volatile), whitespace trimmed. */
export function messageKey(message: Message): string {
  const calls = message.toolCalls?.map((c) => [c.name, c.args]);
  const result = message.toolResult === undefined ? undefined : [message.toolResult.content, message.toolResult.isError === true];
  return canonicalJson([message.role, message.text?.trim() ?? null, calls ?? null, result ?? null] as JsonValue);
}

/** Marks, for every LLM step, how many of its request messages repeat the previous exchange's conversation. */
function markRepeated(steps: Step[]): void {
  let previous: Message[] = [];
  for (const step of steps) {
    if (step.kind !== 'llm') continue;
    const keys = previous.map(messageKey);
    let n = 0;
    while (n < step.request.length && n < keys.length && messageKey(step.request[n]!) === keys[n]) n++;
    step.repeated = n;
    const reply = step.answer === undefined ? undefined : answerMessage(step.answer);
    previous = reply === undefined ? step.request : [...step.request, reply];
  }
}

/** The test name a cassette file stands for: its file name without `.json` (and the `~hash` suffix). */
export function testName(file: string): string {
  return basename(file).replace(/\.json$/, '').replace(/ ~[0-9a-f]{8}$/, '');
}

/** Reads a validated cassette as a conversation. `file` is how the cassette is named in output. */
export function readTranscript(cassette: CassetteFile, file: string): Transcript {
  const steps = cassette.entries.map((entry, index) => readStep(entry, index));
  markRepeated(steps);
  const tools = new Set<string>();
  const models = new Set<string>();
  const usage: UsageByModel = {};
  for (const step of steps) {
    if (step.kind === 'tool') tools.add(step.toolId);
    else if (step.kind === 'mcp') tools.add(step.toolId);
    else if (step.kind === 'llm') {
      for (const call of step.answer?.toolCalls ?? []) tools.add(call.name);
      if (step.model !== undefined) models.add(step.model);
      if (step.tokens !== undefined && step.model !== undefined) addUsage(usage, { model: step.model, ...step.tokens });
    }
  }
  const sorted = (set: Set<string>) => [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    file,
    test: testName(file),
    ...(cassette.meta?.recordedAt !== undefined ? { recordedAt: cassette.meta.recordedAt } : {}),
    steps,
    tools: sorted(tools),
    models: sorted(models),
    usage: Object.fromEntries(Object.entries(usage).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
}
