// A transcript as terminal lines: what `tapedeck show` prints and the git diff driver compares.
import { formatCount, formatUsage } from '../usage.js';
import { mask } from './mask.js';
import type { LlmStep, Message, Step, ToolCall, Transcript } from './model.js';

/** The styles a transcript is printed with (the CLI's ANSI paint, or the identity for plain text). */
export type Paint = Record<'red' | 'green' | 'yellow' | 'cyan' | 'dim' | 'bold', (text: string) => string>;

/** How much of a JSON value is shown on one line. */
const VALUE_WIDTH = 400;

/** Options for {@link renderTranscript}. */
export interface TextOptions {
  /** Leave out recorded timings (they differ on every recording): the git diff driver's view. */
  plain?: boolean;
  /** Show every request message, not only those new since the previous exchange. */
  full?: boolean;
  /** Leave out the test's and the file's name (git names a temp file; it says which file it diffs). */
  anonymous?: boolean;
}

/** A JSON value on one line, shortened. */
export function inline(value: unknown, max = VALUE_WIDTH): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  text = text.replace(/\s*\n\s*/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `name({"city":"SFO"})`. */
export function formatCall(call: Pick<ToolCall, 'name' | 'args'>): string {
  return `${call.name}(${inline(call.args)})`;
}

/** `45 in / 20 out`. */
export function formatTokens(tokens: { input: number; output: number }): string {
  return `${formatCount(tokens.input)} in / ${formatCount(tokens.output)} out`;
}

const ROLE_WIDTH = 10;

/** `model · 45 in / 20 out · streamed in 7 events over 120 ms`. */
export function llmFacts(step: LlmStep, plain = false): string[] {
  const facts: string[] = [];
  if (step.model !== undefined) facts.push(step.model);
  if (step.tokens !== undefined) facts.push(formatTokens(step.tokens));
  if (step.stream) {
    const events = step.events !== undefined ? ` in ${step.events} events` : '';
    facts.push(`streamed${events}${!plain && step.latencyMs !== undefined ? ` over ${formatCount(step.latencyMs)} ms` : ''}`);
  }
  if (step.status !== undefined && step.status !== 200) facts.push(`HTTP ${step.status}`);
  return facts;
}

function messageLines(message: Message, p: Paint): string[] {
  const label = (role: string, colour: (s: string) => string) => colour(role.padEnd(ROLE_WIDTH));
  const pad = ' '.repeat(ROLE_WIDTH);
  const lines: string[] = [];
  const body = (first: string, text: string) => text.split('\n').forEach((line, i) => lines.push(`  ${i === 0 ? first : pad} ${line}`));
  if (message.toolResult !== undefined) {
    const r = message.toolResult;
    const name = r.name !== undefined ? `${r.name} ` : '';
    body(label('tool', p.yellow), `${name}${r.isError === true ? p.red('error ') : ''}← ${inline(r.content)}`);
    return lines;
  }
  const colour = message.role === 'assistant' ? p.green : message.role === 'system' ? p.dim : p.cyan;
  let first = label(message.role, colour);
  if (message.text !== undefined && message.text !== '') {
    body(first, message.text);
    first = pad;
  }
  for (const call of message.toolCalls ?? []) {
    lines.push(`  ${first} ${p.yellow('→')} ${formatCall(call)}`);
    first = pad;
  }
  return lines;
}

function stepLines(step: Step, p: Paint, options: TextOptions): string[] {
  const n = p.dim(`#${step.index + 1}`);
  switch (step.kind) {
    case 'llm': {
      const lines = [`${n} ${p.bold('llm')}  ${llmFacts(step, options.plain).join(' · ')}  ${p.dim(`${step.method} ${step.url}`)}`];
      const from = options.full === true ? 0 : step.repeated;
      if (from > 0) lines.push(p.dim(`  (${from} earlier message${from === 1 ? '' : 's'})`));
      for (const message of step.request.slice(from)) lines.push(...messageLines(message, p));
      if (step.answer !== undefined) {
        const reply: Message = { role: 'assistant', text: step.answer.text, toolCalls: step.answer.toolCalls };
        const replyLines = messageLines(reply, p);
        lines.push(...(replyLines.length > 0 ? replyLines : [`  ${p.green('assistant'.padEnd(ROLE_WIDTH))} ${p.dim('(empty answer)')}`]));
        if (step.answer.finishReason !== undefined) lines.push(p.dim(`  ${' '.repeat(ROLE_WIDTH)} finish: ${step.answer.finishReason}`));
      }
      if (step.error !== undefined) lines.push(`  ${p.red('error'.padEnd(ROLE_WIDTH))} ${step.error}`);
      return lines;
    }
    case 'tool':
    case 'mcp': {
      const kind = step.kind === 'tool' ? 'tool' : `mcp ${step.server}`;
      const name = step.kind === 'tool' ? step.toolId : step.operation;
      const lines = [`${n} ${p.bold(kind)}  ${name}(${inline(step.args)})`];
      lines.push(step.ok ? `  ${p.yellow('←')} ${inline(step.result)}` : `  ${p.red('error')} ${step.error ?? ''}`);
      return lines;
    }
    case 'http': {
      const status = step.status !== undefined ? ` → ${step.status >= 400 ? p.red(String(step.status)) : String(step.status)}` : '';
      const lines = [`${n} ${p.bold('http')}  ${step.method} ${step.url}${status}`];
      if (step.body !== undefined) lines.push(`  ${p.dim(step.body)}`);
      if (step.error !== undefined) lines.push(`  ${p.red('error')} ${step.error}`);
      return lines;
    }
  }
}

/** The transcript as lines: a header, then every call in recorded order. Every line is masked. */
export function renderTranscript(transcript: Transcript, p: Paint, options: TextOptions = {}): string[] {
  const facts = [`${transcript.steps.length} call${transcript.steps.length === 1 ? '' : 's'}`];
  const usage = formatUsage(transcript.usage);
  if (usage !== '') facts.push(usage);
  if (!options.plain && transcript.recordedAt !== undefined) facts.push(`recorded ${transcript.recordedAt}`);
  const lines = options.anonymous === true ? [facts.join(' · ')] : [p.bold(transcript.test), p.dim(`${transcript.file} · ${facts.join(' · ')}`)];
  for (const step of transcript.steps) lines.push('', ...stepLines(step, p, options));
  return lines.map(mask);
}
