import { isJsonObject, setMember } from './hash.js';
import type { StoredResponse } from './http/exchange.js';

/** Tokens of one or more LLM responses: what the prompt cost (`input`) and what was generated (`output`). */
export interface TokenUsage {
  input: number;
  output: number;
  /** Responses counted. */
  calls: number;
}

/** Token usage per model, keyed by the model name the provider answered with. */
export type UsageByModel = Record<string, TokenUsage>;

/** The model name used when a response carries usage but does not say which model answered. */
export const UNKNOWN_MODEL = '(unknown model)';

/** The usage one recorded response reports. */
export interface ResponseUsage {
  model: string;
  input: number;
  output: number;
}

type Json = Record<string, unknown>;
const USAGE_EVENT = /"usage(?:Metadata)?"\s*:\s*\{/;
const count = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * Reads a provider's `usage` object. OpenAI Chat Completions: `prompt_tokens` / `completion_tokens`;
 * OpenAI Responses and Anthropic: `input_tokens` / `output_tokens`. Anthropic's `input_tokens` leaves out
 * prompt-cache reads and writes, which OpenAI's `prompt_tokens` includes: they are added back, so `input`
 * means the whole prompt for both. Google's `usageMetadata` uses `promptTokenCount` /
 * `candidatesTokenCount` (+ `thoughtsTokenCount`, billed as output).
 */
function readUsage(usage: unknown): { input?: number; output?: number } | undefined {
  if (!isJsonObject(usage)) return undefined;
  const openaiIn = count(usage.prompt_tokens);
  const openaiOut = count(usage.completion_tokens);
  if (openaiIn !== undefined || openaiOut !== undefined) return { input: openaiIn, output: openaiOut };
  const anthropicIn = count(usage.input_tokens);
  const anthropicOut = count(usage.output_tokens);
  if (anthropicIn !== undefined || anthropicOut !== undefined) {
    const cached = (count(usage.cache_creation_input_tokens) ?? 0) + (count(usage.cache_read_input_tokens) ?? 0);
    return { input: anthropicIn === undefined ? undefined : anthropicIn + cached, output: anthropicOut };
  }
  const googleIn = count(usage.promptTokenCount);
  const googleOut = count(usage.candidatesTokenCount);
  if (googleIn !== undefined || googleOut !== undefined) {
    return { input: googleIn, output: googleOut === undefined ? undefined : googleOut + (count(usage.thoughtsTokenCount) ?? 0) };
  }
  return undefined;
}

/** Usage as a stream folds it: later reports replace earlier ones, field by field (they are cumulative). */
interface Fold {
  model?: string;
  input?: number;
  output?: number;
  seen: boolean;
}

function foldMessage(state: Fold, message: Json): void {
  // OpenAI Responses (streamed `response.completed`) and Anthropic's `message_start` wrap the message.
  const inner = isJsonObject(message.response) ? message.response : isJsonObject(message.message) ? message.message : undefined;
  if (inner !== undefined) foldMessage(state, inner);
  const model = text(message.model) ?? text(message.modelVersion);
  if (model !== undefined) state.model = model;
  const usage = readUsage(message.usage) ?? readUsage(message.usageMetadata);
  if (usage === undefined) return;
  state.seen = true;
  // Anthropic's `message_delta.usage` carries the final (cumulative) `output_tokens` and, on newer API
  // versions, the input counts again; a field it leaves out keeps the value `message_start` gave.
  if (usage.input !== undefined) state.input = usage.input;
  if (usage.output !== undefined) state.output = usage.output;
}

/**
 * The token usage a recorded response reports, or `undefined` when it reports none: a JSON body with
 * `usage` (OpenAI Chat Completions and Responses, Anthropic Messages) or `usageMetadata` (Google Gemini),
 * or a server-sent event stream whose events carry it (OpenAI's final chunk with
 * `stream_options.include_usage`, `response.completed`; Anthropic's `message_start` + `message_delta`;
 * Gemini's chunks, as events or as a JSON array). The model is the one the response names (the dated version the provider resolved).
 */
export function responseUsage(response: StoredResponse): ResponseUsage | undefined {
  const body: unknown = isJsonObject(response) ? response.body : undefined;
  if (!isJsonObject(body)) return undefined;
  const state: Fold = { seen: false };
  if (isJsonObject(body.json)) {
    foldMessage(state, body.json);
  } else if (Array.isArray(body.json)) {
    // Gemini's streamGenerateContent without `alt=sse` answers with a JSON array of its chunks.
    for (const chunk of body.json as unknown[]) if (isJsonObject(chunk)) foldMessage(state, chunk);
  } else if (Array.isArray(body.sse)) {
    for (const event of body.sse as unknown[]) {
      // Every event that reports usage names its model too (Anthropic's `message_delta` excepted, whose
      // `message_start` does), so only those are parsed: a long stream's content deltas are skipped.
      if (!isJsonObject(event) || typeof event.data !== 'string' || !USAGE_EVENT.test(event.data)) continue;
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        continue;
      }
      if (isJsonObject(data)) foldMessage(state, data);
    }
  }
  if (!state.seen) return undefined;
  return { model: state.model ?? UNKNOWN_MODEL, input: state.input ?? 0, output: state.output ?? 0 };
}

/** Adds one response's usage to a per-model total (in place) and returns the total. */
export function addUsage(total: UsageByModel, usage: ResponseUsage): UsageByModel {
  const entry = modelEntry(total, usage.model);
  entry.input += usage.input;
  entry.output += usage.output;
  entry.calls += 1;
  return total;
}

/**
 * The total of one model, created when missing. The model name comes from a recorded response, i.e. from
 * cassette data: `total[model] ??= …` with `"model": "__proto__"` would read and then write
 * `Object.prototype` (every object in the process would get `input`), so only an own member counts, and a
 * new one is defined as data, never assigned.
 */
function modelEntry(total: UsageByModel, model: string): TokenUsage {
  if (!Object.prototype.hasOwnProperty.call(total, model)) setMember(total, model, { input: 0, output: 0, calls: 0 });
  return total[model]!;
}

/** Adds (`sign` 1) or subtracts (`sign` -1) per-model totals into `into`, dropping models left at zero. */
export function mergeUsage(into: UsageByModel, from: UsageByModel, sign: 1 | -1 = 1): UsageByModel {
  for (const [model, usage] of Object.entries(from)) {
    const entry = modelEntry(into, model);
    entry.input += sign * usage.input;
    entry.output += sign * usage.output;
    entry.calls += sign * usage.calls;
    if (entry.input === 0 && entry.output === 0 && entry.calls === 0) delete into[model];
  }
  return into;
}

/** `1234` -> `1,234`, the same on every machine whatever its locale. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** `claude-x 12 in / 4 out; gpt-4o 1,234 in / 567 out`, models sorted by name; `''` when there are none. */
export function formatUsage(usage: UsageByModel): string {
  return Object.keys(usage)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((model) => `${model} ${formatCount(usage[model]!.input)} in / ${formatCount(usage[model]!.output)} out`)
    .join('; ');
}
