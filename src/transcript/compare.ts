// Two recordings of one call compared as what they mean: the conversation-aware `tapedeck diff` and the
// `RECORD=verify` verdicts are this one comparison.
import { diffJson, preview, type Difference } from '../diff.js';
import { jsdiff } from '../lazy-deps.js';
import { canonicalJson, isJsonObject, type JsonValue } from '../hash.js';
import type { EntryResult } from '../format.js';
import { detectApi, readAnswer, requestMessages } from './llm.js';
import type { Answer, LlmApi, Message } from './model.js';
import { messageKey, splitHttpToolId } from './read.js';
import { formatCall, formatTokens, inline } from './text.js';
import { isVolatileChange, withoutVolatile } from './volatile.js';
import { responseUsage } from '../usage.js';
import type { StoredResponse } from '../http/exchange.js';

/**
 * What kind of difference a change is. `behaviour`: what the agent does differs (tool calls, their args,
 * the finish reason, the status, what it sent); `answer`: what it was told differs (text, data);
 * `info`: worth seeing but meaning the same (model version, tokens, the events of a changed stream);
 * `chunking` and `volatile`: the same recording in other pieces, or with other ids and timestamps.
 */
export type ChangeKind = 'behaviour' | 'answer' | 'info' | 'chunking' | 'volatile';

/** One difference, as a line a person reads. */
export interface Change {
  kind: ChangeKind;
  line: string;
}

/** How a re-recorded (or verified) call differs from its recording. */
export type Verdict = 'same meaning' | 'changed answer' | 'changed behaviour';

/** One side of a comparison: a recorded call. */
export interface RecordedCall {
  toolId: string;
  args: unknown;
  result: EntryResult;
}

/** The differences between two recordings of a call, and what they amount to. */
export interface Comparison {
  verdict: Verdict;
  changes: Change[];
}

/** Changes that only `--all` shows: they change nothing a reader of the conversation would see. */
export const HIDDEN_KINDS: ReadonlySet<ChangeKind> = new Set(['chunking', 'volatile']);

/** The verdict of a set of changes: the weightiest kind among them. */
export function verdictOf(changes: readonly Change[]): Verdict {
  if (changes.some((c) => c.kind === 'behaviour')) return 'changed behaviour';
  if (changes.some((c) => c.kind === 'answer')) return 'changed answer';
  return 'same meaning';
}

const MAX_EVENT_LINES = 12;
const TEXT_WIDTH = 200;

/** Members of an LLM request that hold its messages (compared message by message instead). */
const MESSAGE_FIELDS = new Set(['messages', 'input', 'contents', 'system', 'instructions', 'systemInstruction', 'system_instruction']);
/** Members of an LLM response that hold its answer, model and usage (compared as the answer instead). */
const ANSWER_FIELDS = new Set(['choices', 'content', 'output', 'candidates', 'stop_reason', 'status', 'usage', 'usageMetadata', 'model', 'modelVersion', 'incomplete_details']);

function omit(value: unknown, fields: ReadonlySet<string>): unknown {
  if (!isJsonObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !fields.has(key)));
}

/** Options of {@link compareCalls}. */
export interface CompareOptions {
  /** Relative tolerance for numbers (verify's `tolerance`). Default 0. */
  tolerance?: number;
}

function jsonChanges(a: unknown, b: unknown, root: string, kind: (d: Difference) => ChangeKind, tolerance = 0): Change[] {
  return diffJson(a, b, { root, tolerance }).map((d) => ({ kind: isVolatileChange(d.path, d.expected, d.actual) ? 'volatile' : kind(d), line: `${d.path}: ${preview(d.expected)} -> ${preview(d.actual)}` }));
}

const same = (a: unknown, b: unknown): boolean => canonicalJson((a ?? null) as JsonValue) === canonicalJson((b ?? null) as JsonValue);

function messageLine(message: Message): string {
  const result = message.toolResult;
  if (result !== undefined) return `tool ${result.name !== undefined ? `${result.name} ` : ''}← ${preview(result.content, TEXT_WIDTH)}`;
  const parts: string[] = [];
  if (message.text !== undefined) parts.push(preview(message.text, TEXT_WIDTH));
  for (const call of message.toolCalls ?? []) parts.push(`→ ${formatCall(call)}`);
  return `${message.role} ${parts.join(' ')}`;
}

function apiOf(call: RecordedCall): LlmApi | undefined {
  if (!call.toolId.startsWith('http:')) return undefined;
  const { method, url } = splitHttpToolId(call.toolId, call.args);
  return detectApi(method, url, isJsonObject(call.args) ? call.args.body : undefined);
}

function argsChanges(api: LlmApi | undefined, a: unknown, b: unknown): Change[] {
  if (same(a, b)) return [];
  if (api === undefined || !isJsonObject(a) || !isJsonObject(b)) return jsonChanges(a, b, 'args', () => 'behaviour');
  const changes: Change[] = [];
  // Messages are aligned, not compared by position: one inserted message is one change.
  const before = requestMessages(api, a.body);
  const after = requestMessages(api, b.body);
  for (const part of jsdiff().diffArrays(before, after, { comparator: (x, y) => messageKey(x) === messageKey(y) })) {
    if (part.added || part.removed) for (const m of part.value) changes.push({ kind: 'behaviour', line: `request ${part.added ? '+' : '-'} ${messageLine(m)}` });
  }
  // The messages read the same: what differs in them is what the transcript leaves out, by path (tool
  // call ids echoed back are volatile; anything else, such as another image, is not).
  if (changes.length === 0) changes.push(...jsonChanges(pick(a.body, MESSAGE_FIELDS), pick(b.body, MESSAGE_FIELDS), 'args.body', () => 'behaviour'));
  changes.push(...jsonChanges({ ...a, body: omit(a.body, MESSAGE_FIELDS) }, { ...b, body: omit(b.body, MESSAGE_FIELDS) }, 'args', () => 'behaviour'));
  return changes;
}

function pick(value: unknown, fields: ReadonlySet<string>): unknown {
  if (!isJsonObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => fields.has(key)));
}

function answerChanges(a: Answer, b: Answer): Change[] {
  const changes: Change[] = [];
  const names = (x: Answer) => x.toolCalls.map((c) => c.name).join(', ') || '(none)';
  if (names(a) !== names(b)) changes.push({ kind: 'behaviour', line: `tool calls: ${names(a)} -> ${names(b)}` });
  else {
    a.toolCalls.forEach((call, i) => {
      const other = b.toolCalls[i]!;
      if (!same(call.args, other.args)) changes.push({ kind: 'behaviour', line: `tool call ${call.name} args: ${preview(call.args)} -> ${preview(other.args)}` });
    });
  }
  if (a.finishReason !== b.finishReason) changes.push({ kind: 'behaviour', line: `finish reason: ${a.finishReason ?? '(none)'} -> ${b.finishReason ?? '(none)'}` });
  if (a.text !== b.text) changes.push({ kind: 'answer', line: `answer: ${preview(a.text, TEXT_WIDTH)} -> ${preview(b.text, TEXT_WIDTH)}` });
  return changes;
}

/** A stream's events as compared: parsed, without volatile values. */
function eventKeys(body: unknown): { keys: string[]; shown: string[] } | undefined {
  if (!isJsonObject(body) || !Array.isArray(body.sse)) return undefined;
  const shown = body.sse.map((e) => (isJsonObject(e) && typeof e.data === 'string' ? e.data : JSON.stringify(e) ?? ''));
  const keys = shown.map((data) => {
    try {
      return JSON.stringify(withoutVolatile(JSON.parse(data)));
    } catch {
      return data;
    }
  });
  return { keys, shown };
}

function streamChanges(bodyA: unknown, bodyB: unknown, answerDiffers: boolean): Change[] {
  const a = eventKeys(bodyA);
  const b = eventKeys(bodyB);
  if (a === undefined || b === undefined) return [];
  if (a.keys.length === b.keys.length && a.keys.every((k, i) => k === b.keys[i])) {
    return a.shown.every((data, i) => data === b.shown[i]) ? [] : [{ kind: 'volatile', line: 'stream: the same events, with other ids and timestamps' }];
  }
  if (!answerDiffers) return [{ kind: 'chunking', line: `stream: the same answer in other events (${a.keys.length} -> ${b.keys.length} events)` }];
  // The answer changed: the events that carry the change, aligned (one inserted chunk is one line).
  const lines: Change[] = [];
  let i = 0;
  let j = 0;
  for (const part of jsdiff().diffArrays(a.keys, b.keys)) {
    for (let n = 0; n < part.value.length; n++) {
      // The event's data as sent, not JSON-quoted again: escaped JSON in a string is what a diff should spare.
      if (part.removed) lines.push({ kind: 'info', line: `event ${i + 1} - ${inline(a.shown[i], 160)}` });
      else if (part.added) lines.push({ kind: 'info', line: `event ${j + 1} + ${inline(b.shown[j], 160)}` });
      if (!part.added) i++;
      if (!part.removed) j++;
    }
  }
  if (lines.length > MAX_EVENT_LINES) return [...lines.slice(0, MAX_EVENT_LINES), { kind: 'info', line: `… and ${lines.length - MAX_EVENT_LINES} more changed events` }];
  return lines;
}

function httpChanges(api: LlmApi | undefined, a: Record<string, unknown>, b: Record<string, unknown>, tolerance: number): Change[] {
  const changes: Change[] = [];
  if (a.status !== b.status) changes.push({ kind: 'behaviour', line: `status: ${preview(a.status)} -> ${preview(b.status)}` });
  const { status: _sa, body: bodyA, ...headA } = a;
  const { status: _sb, body: bodyB, ...headB } = b;
  changes.push(...jsonChanges(headA, headB, 'result.value', () => 'answer'));
  const readA = api === undefined ? undefined : readAnswer(api, bodyA);
  const readB = api === undefined ? undefined : readAnswer(api, bodyB);
  if (readA === undefined || readB === undefined) {
    changes.push(...jsonChanges(bodyA, bodyB, 'result.value.body', () => 'answer', tolerance));
    return changes;
  }
  const answers = answerChanges(readA.answer, readB.answer);
  changes.push(...answers);
  if (readA.model !== readB.model) changes.push({ kind: 'info', line: `model: ${readA.model ?? '(none)'} -> ${readB.model ?? '(none)'}` });
  const usageA = responseUsage(a as unknown as StoredResponse);
  const usageB = responseUsage(b as unknown as StoredResponse);
  if (usageA !== undefined && usageB !== undefined && (usageA.input !== usageB.input || usageA.output !== usageB.output)) {
    changes.push({ kind: 'info', line: `tokens: ${formatTokens(usageA)} -> ${formatTokens(usageB)}` });
  }
  const jsonA = isJsonObject(bodyA) ? bodyA.json : undefined;
  const jsonB = isJsonObject(bodyB) ? bodyB.json : undefined;
  if (jsonA !== undefined || jsonB !== undefined) changes.push(...jsonChanges(omit(jsonA, ANSWER_FIELDS), omit(jsonB, ANSWER_FIELDS), 'result.value.body.json', () => 'answer', tolerance));
  changes.push(...streamChanges(bodyA, bodyB, answers.length > 0));
  return changes;
}

function resultChanges(call: RecordedCall, api: LlmApi | undefined, a: EntryResult, b: EntryResult, tolerance: number): Change[] {
  if (a.ok !== b.ok) {
    const describe = (r: EntryResult) => (r.ok ? 'an answer' : `error ${r.error.name}: ${preview(r.error.message, TEXT_WIDTH)}`);
    return [{ kind: 'behaviour', line: `result: ${describe(a)} -> ${describe(b)}` }];
  }
  if (!a.ok || !b.ok) {
    const errorA = a.ok ? undefined : a.error;
    const errorB = b.ok ? undefined : b.error;
    if (errorA?.name !== errorB?.name) return [{ kind: 'behaviour', line: `error: ${errorA?.name ?? ''} -> ${errorB?.name ?? ''}` }];
    return jsonChanges(errorA, errorB, 'result.error', () => 'answer', tolerance);
  }
  if (call.toolId.startsWith('http:') && isJsonObject(a.value) && isJsonObject(b.value)) return httpChanges(api, a.value, b.value, tolerance);
  // MCP: a result that turned into an `isError` one (or back) is a change of behaviour.
  return jsonChanges(a.value, b.value, 'result.value', (d) => (call.toolId.startsWith('mcp:') && /\.isError$/.test(d.path) ? 'behaviour' : 'answer'), tolerance);
}

/**
 * What a call is, read as a conversation: its toolId and args with volatile ids left out, and for an LLM
 * request its messages as the transcript reads them. Two recordings of the same step of a conversation
 * have the same key even when the ids echoed back in their requests differ.
 */
export function conversationKey(toolId: string, args: unknown): string {
  const api = apiOf({ toolId, args, result: { ok: true } });
  if (api === undefined || !isJsonObject(args)) return `${toolId}\u0000${canonicalJson(withoutVolatile(args ?? null) as JsonValue)}`;
  const messages = requestMessages(api, args.body).map(messageKey);
  return `${toolId}\u0000${canonicalJson(withoutVolatile({ ...args, body: omit(args.body, MESSAGE_FIELDS) }) as JsonValue)}\u0000${messages.join('\u0000')}`;
}

/**
 * Compares two recordings of a call (the same toolId) as what they mean: LLM exchanges by their messages
 * and reassembled answers, streams event by event only where the answer differs, ids and timestamps
 * apart as `volatile`. `a` is the recording, `b` the re-recording (or the live answer, in verify).
 */
export function compareCalls(a: RecordedCall, b: RecordedCall, options: CompareOptions = {}): Comparison {
  const api = apiOf(b) ?? apiOf(a);
  const changes = [...argsChanges(api, a.args, b.args), ...resultChanges(b, api, a.result, b.result, options.tolerance ?? 0)];
  return { verdict: verdictOf(changes), changes };
}
