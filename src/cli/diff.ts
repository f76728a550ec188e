import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ToolCallCassette } from '../cassette.js';
import { diffJson, formatDifference, preview } from '../diff.js';
import { compareCalls, conversationKey, HIDDEN_KINDS, type Verdict } from '../transcript/compare.js';
import { mask } from '../transcript/mask.js';
import { isVolatileChange } from '../transcript/volatile.js';
import type { CassetteFile, Entry } from '../format.js';
import { parseJsonText, stableStringify } from '../store.js';
import { firstError } from './check.js';
import { EXIT_OK, EXIT_PROBLEMS, paint, parseCommand, plural, shortMessage, UsageError, type CliIO, type Paint } from './io.js';

export const DIFF_HELP = `Usage: tapedeck diff [options] <a.json> <b.json>

Compares two cassettes call by call, as conversations. A call is identified by its toolId, its args and,
for a call made several times with the same args, its occurrence (#2, #3...); an LLM request by its
messages as a transcript reads them, so a re-recording whose requests echo other ids back still pairs
with its recording. Then:
  - removed   in <a> only            (its args are shown)
  + added     in <b> only            (its args are shown)
  ~ changed   same call, different result; or a call of the same tool whose args changed
              (leftover removed and added calls of one tool are paired in recorded order)
A changed LLM exchange is compared as its conversation: the messages it sent (aligned: one inserted
message is one line), the answer's text, tool calls and their arguments, finish reason, model and tokens;
a streamed answer as the reassembled answer, and event by event (aligned) only where the answer differs.
Each changed call is classed as in RECORD=verify: changed behaviour (tool calls, their arguments, finish
reason, status, what was sent), changed answer (text, data) or same meaning. Values that change on every
recording (ids such as chatcmpl-…, call_…, toolu_…, msg_…; created; request-id headers; recordedAt) and
the chunking of a stream are only shown with --all. Other differences are listed as \`path: old -> new\`.
Metadata (environment, tool signatures) and the order of entries are compared too. Text is masked.

Options:
  --all       also show ids, timestamps and chunking that differ
  --json      print { identical, changes, meta, reordered, sameMeaning } instead
  -h, --help  show this help

Exit codes:
  0  the cassettes are the same, or differ only in what --all shows (without --all)
  1  they differ (as with diff(1))
  2  usage error, or a file that is missing or not a valid cassette
`;

/** One entry that differs between two cassettes. */
export interface EntryChange {
  kind: 'removed' | 'added' | 'changed';
  toolId: string;
  /** 1-based occurrence of the (toolId, argsHash) call in its cassette; shown when the call repeats. */
  occurrence: number;
  repeated: boolean;
  /** Where the entry is in the first cassette (absent for `added`). */
  a?: { index: number; argsHash: string };
  /** Where the entry is in the second cassette (absent for `removed`). */
  b?: { index: number; argsHash: string };
  /** `changed`: what the difference amounts to (as `RECORD=verify` classes drift). */
  verdict?: Verdict;
  /** `changed`: one line per difference; otherwise the entry's args. */
  details: string[];
}

/** Everything that differs between two cassettes. */
export interface CassetteDiff {
  identical: boolean;
  changes: EntryChange[];
  /** `path: old -> new` for metadata and other top-level fields. */
  meta: string[];
  /** The common entries are in a different order (replay is unaffected: calls match by key). */
  reordered: boolean;
  /** Calls that differ only in ids, timestamps or chunking (listed with `all`). */
  sameMeaning: number;
}

/** Options of {@link diffCassettes}. */
export interface DiffCassettesOptions {
  /** List volatile values and chunking too. */
  all?: boolean;
}

const MAX_DETAILS = 50;

interface Item {
  index: number;
  entry: Entry;
  occurrence: number;
  repeated: boolean;
  /** The call read as a conversation step (see conversationKey), with its occurrence. */
  step: string;
}

function items(entries: readonly Entry[]): Item[] {
  const seen = new Map<string, number>();
  const steps = new Map<string, number>();
  const out = entries.map((entry, index) => {
    const key = `${entry.toolId}\u0000${entry.argsHash}`;
    const occurrence = (seen.get(key) ?? 0) + 1;
    seen.set(key, occurrence);
    const conversation = conversationKey(entry.toolId, entry.args);
    const nth = (steps.get(conversation) ?? 0) + 1;
    steps.set(conversation, nth);
    return { index, entry, occurrence, repeated: false, key, step: `${conversation}\u0000${nth}` };
  });
  return out.map(({ key, ...item }) => ({ ...item, repeated: (seen.get(key) ?? 0) > 1 }));
}

const identity = (item: Item): string => `${item.entry.toolId}\u0000${item.entry.argsHash}\u0000${item.occurrence}`;

/** Pairs each item of `left` with the item of `right` of the same `id`; the rest stay in the lists. */
function pairBy(left: Item[], right: Item[], id: (item: Item) => string, pairs: Array<[Item, Item]>): { left: Item[]; right: Item[] } {
  const byId = new Map(right.map((item) => [id(item), item]));
  const rest: Item[] = [];
  for (const item of left) {
    const match = byId.get(id(item));
    if (match === undefined) rest.push(item);
    else {
      pairs.push([item, match]);
      byId.delete(id(item));
    }
  }
  return { left: rest, right: right.filter((item) => byId.get(id(item)) === item) };
}

/** Call-level diff of two validated cassette files (see {@link DIFF_HELP} for how calls are paired and read). */
export function diffCassettes(a: CassetteFile, b: CassetteFile, options: DiffCassettesOptions = {}): CassetteDiff {
  const pairs: Array<[Item, Item]> = [];
  const exactly = pairBy(items(a.entries), items(b.entries), identity, pairs);
  const exact = pairs.length;
  // The same step of the conversation whose request echoes other ids back (a re-recording).
  const { left: removed, right: added } = pairBy(exactly.left, exactly.right, (item) => item.step, pairs);
  // Leftovers of one tool are most likely the same call with edited args: pair them in recorded order
  // so the reader sees which args changed, instead of an unexplained removal and addition.
  for (const item of [...removed]) {
    const partner = added.find((candidate) => candidate.entry.toolId === item.entry.toolId);
    if (partner === undefined) continue;
    pairs.push([item, partner]);
    removed.splice(removed.indexOf(item), 1);
    added.splice(added.indexOf(partner), 1);
  }

  const changes: EntryChange[] = [];
  const where = (item: Item) => ({ index: item.index, argsHash: item.entry.argsHash });
  const args = (item: Item) => [`args: ${preview(item.entry.args, 120)}`];
  for (const item of removed) changes.push({ kind: 'removed', ...label(item), a: where(item), details: args(item) });
  for (const item of added) changes.push({ kind: 'added', ...label(item), b: where(item), details: args(item) });
  const changed: EntryChange[] = [];
  let sameMeaning = 0;
  for (const [x, y] of pairs) {
    const { verdict, changes: found } = compareCalls(x.entry, y.entry);
    if (found.length === 0) continue;
    const shown = found.filter((c) => options.all === true || !HIDDEN_KINDS.has(c.kind));
    if (verdict === 'same meaning' && found.every((c) => HIDDEN_KINDS.has(c.kind))) sameMeaning++;
    if (shown.length === 0) continue;
    const details = shown.slice(0, MAX_DETAILS).map((c) => c.line);
    if (shown.length > MAX_DETAILS) details.push(`… and ${shown.length - MAX_DETAILS} more`);
    changed.push({ kind: 'changed', ...label(y), a: where(x), b: where(y), verdict, details });
  }
  changes.push(...changed.sort((x, y) => x.b!.index - y.b!.index));

  const { entries: _a, meta: metaA, ...restA } = a;
  const { entries: _b, meta: metaB, ...restB } = b;
  const meta = [...diffJson(metaA ?? {}, metaB ?? {}, { root: 'meta' }), ...diffJson(restA, restB)]
    .filter((d) => options.all === true || !isVolatileChange(d.path, d.expected, d.actual))
    .map((d) => formatDifference(d));
  const common = pairs.slice(0, exact).map(([, y]) => y.index);
  const reordered = common.some((index, i) => i > 0 && index < common[i - 1]!);
  return { identical: changes.length === 0 && meta.length === 0 && !reordered, changes, meta, reordered, sameMeaning };
}

function label(item: Item): Pick<EntryChange, 'toolId' | 'occurrence' | 'repeated'> {
  return { toolId: item.entry.toolId, occurrence: item.occurrence, repeated: item.repeated };
}

async function loadForDiff(io: CliIO, file: string): Promise<CassetteFile> {
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (thrown) {
    throw new UsageError(`cannot read ${file}: ${(thrown as Error).message}`, false);
  }
  try {
    const data = parseJsonText(text, file);
    ToolCallCassette.fromJSON(data, file);
    return data as CassetteFile;
  } catch (thrown) {
    const why = firstError(text, file) ?? shortMessage(thrown, file);
    throw new UsageError(`${file}: ${why} (\`tapedeck check ${file}\` lists every problem)`, false);
  }
}

/** `tapedeck diff`: see {@link DIFF_HELP}. */
export async function runDiff(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommand(args, { json: { type: 'boolean' }, all: { type: 'boolean' } });
  if (values.help === true) {
    io.out(DIFF_HELP.trimEnd());
    return EXIT_OK;
  }
  if (positionals.length !== 2) throw new UsageError(`diff takes two cassette files, got ${positionals.length}`);
  const [fileA, fileB] = positionals as [string, string];
  const [a, b] = await Promise.all([loadForDiff(io, fileA), loadForDiff(io, fileB)]);
  const result = diffCassettes(a, b, { all: values.all === true });
  if (values.json === true) {
    io.out(mask(stableStringify(result).trimEnd()));
    return result.identical ? EXIT_OK : EXIT_PROBLEMS;
  }
  const lines = formatCassetteDiff(result, paint(io), [fileA, fileB], a.entries.length, values.all === true);
  for (const line of lines) io.out(line);
  return result.identical ? EXIT_OK : EXIT_PROBLEMS;
}

/** `tapedeck diff`'s text for a {@link CassetteDiff} of `files` (the first holding `entries` entries). */
export function formatCassetteDiff(result: CassetteDiff, p: Paint, files: readonly [string, string], entries: number, all = false): string[] {
  const [fileA, fileB] = files;
  const lines: string[] = [];
  const hidden = result.sameMeaning > 0 && !all ? `${plural(result.sameMeaning, 'call')} differ${result.sameMeaning === 1 ? 's' : ''} only in ids, timestamps or chunking (--all shows them)` : '';
  if (result.identical) {
    lines.push(
      hidden === ''
        ? `tapedeck diff: ${fileA} and ${fileB} hold the same ${entries} entries`
        : `tapedeck diff: ${fileA} and ${fileB} mean the same: ${hidden}`,
    );
    return lines.map(mask);
  }
  lines.push(p.bold(`--- ${fileA}`));
  lines.push(p.bold(`+++ ${fileB}`));
  const marks = { removed: p.red('-'), added: p.green('+'), changed: p.yellow('~') };
  for (const change of result.changes) {
    const name = change.repeated ? `${change.toolId} #${change.occurrence}` : change.toolId;
    const index = change.kind === 'changed' && change.a!.index !== change.b!.index ? `entries[${change.a!.index}] -> entries[${change.b!.index}]` : `entries[${(change.b ?? change.a)!.index}]`;
    const hashA = change.a?.argsHash.slice(0, 12);
    const hashB = change.b?.argsHash.slice(0, 12);
    const hash = hashA !== undefined && hashB !== undefined && hashA !== hashB ? `${hashA} -> ${hashB}` : (hashA ?? hashB)!;
    const verdict = change.verdict === undefined ? '' : `  ${change.verdict === 'changed behaviour' ? p.red(change.verdict) : change.verdict === 'changed answer' ? p.yellow(change.verdict) : p.dim(change.verdict)}`;
    lines.push(`${marks[change.kind]} ${p.bold(name)}  ${index}  ${p.dim(hash)}${verdict}`);
    for (const detail of change.details) lines.push(`    ${detail}`);
  }
  if (result.reordered) lines.push(`${p.yellow('~')} entries are in a different order (replay is unaffected: calls match by toolId and argsHash)`);
  if (result.meta.length > 0) {
    lines.push(`${p.yellow('~')} ${p.bold('meta')}`);
    for (const line of result.meta) lines.push(`    ${line}`);
  }
  const count = (kind: EntryChange['kind']) => result.changes.filter((c) => c.kind === kind).length;
  const verdicts = (['changed behaviour', 'changed answer', 'same meaning'] as const)
    .map((v) => [v, result.changes.filter((c) => c.verdict === v).length] as const)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${v}`);
  const parts = [`${count('removed')} removed`, `${count('added')} added`, `${count('changed')} changed${verdicts.length > 0 ? ` (${verdicts.join(', ')})` : ''}`];
  if (result.meta.length > 0) parts.push('metadata differs');
  if (result.reordered) parts.push('order differs');
  if (hidden !== '') parts.push(hidden);
  lines.push(`tapedeck diff: ${parts.join(', ')}`);
  return lines.map(mask);
}
