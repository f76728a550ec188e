import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ToolCallCassette } from '../cassette.js';
import { diffJson, formatDifference, preview } from '../diff.js';
import type { CassetteFile, Entry } from '../format.js';
import { parseJsonText, stableStringify } from '../store.js';
import { firstError } from './check.js';
import { EXIT_OK, EXIT_PROBLEMS, paint, parseCommand, shortMessage, UsageError, type CliIO } from './io.js';

export const DIFF_HELP = `Usage: tapedeck diff [options] <a.json> <b.json>

Compares two cassettes entry by entry. An entry is identified by its toolId, its argsHash and, for a
call made several times with the same args, its occurrence (#2, #3...). Then:
  - removed   in <a> only            (its args are shown)
  + added     in <b> only            (its args are shown)
  ~ changed   same call, different recorded result; or a call of the same tool whose args changed
              (leftover removed and added entries of one tool are paired in recorded order)
For changed entries every differing JSON path is listed as \`path: old -> new\`. Metadata (recordedAt,
environment, tool signatures) and the order of entries are compared too.

Options:
  --json      print { identical, changes, meta, reordered } instead
  -h, --help  show this help

Exit codes:
  0  the cassettes are the same
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
  /** `changed`: `path: old -> new` lines (paths relative to the entry); otherwise the entry's args. */
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
}

const MAX_DETAILS = 50;

interface Item {
  index: number;
  entry: Entry;
  occurrence: number;
  repeated: boolean;
}

function items(entries: readonly Entry[]): Item[] {
  const seen = new Map<string, number>();
  const out = entries.map((entry, index) => {
    const key = `${entry.toolId}\u0000${entry.argsHash}`;
    const occurrence = (seen.get(key) ?? 0) + 1;
    seen.set(key, occurrence);
    return { index, entry, occurrence, repeated: false, key };
  });
  return out.map(({ key, ...item }) => ({ ...item, repeated: (seen.get(key) ?? 0) > 1 }));
}

const identity = (item: Item): string => `${item.entry.toolId}\u0000${item.entry.argsHash}\u0000${item.occurrence}`;

/** Entry-level diff of two validated cassette files (see {@link DIFF_HELP} for how entries are paired). */
export function diffCassettes(a: CassetteFile, b: CassetteFile): CassetteDiff {
  const left = items(a.entries);
  const right = items(b.entries);
  const rightById = new Map(right.map((item) => [identity(item), item]));
  const pairs: Array<[Item, Item]> = [];
  const removed: Item[] = [];
  for (const item of left) {
    const match = rightById.get(identity(item));
    if (match === undefined) removed.push(item);
    else {
      pairs.push([item, match]);
      rightById.delete(identity(item));
    }
  }
  const exact = pairs.length;
  const added = right.filter((item) => rightById.has(identity(item)));
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
  for (const item of removed) changes.push({ kind: 'removed', ...label(item), a: where(item), details: [`args: ${preview(item.entry.args, 120)}`] });
  for (const item of added) changes.push({ kind: 'added', ...label(item), b: where(item), details: [`args: ${preview(item.entry.args, 120)}`] });
  const changed: EntryChange[] = [];
  pairs.forEach(([x, y], n) => {
    const differences = diffJson(withoutKey(x.entry), withoutKey(y.entry), { root: '' });
    if (differences.length === 0 && n < exact) return;
    const details = differences.slice(0, MAX_DETAILS).map((d) => formatDifference(d));
    if (differences.length > MAX_DETAILS) details.push(`… and ${differences.length - MAX_DETAILS} more`);
    changed.push({ kind: 'changed', ...label(y), a: where(x), b: where(y), details });
  });
  changes.push(...changed.sort((x, y) => x.b!.index - y.b!.index));

  const { entries: _a, meta: metaA, ...restA } = a;
  const { entries: _b, meta: metaB, ...restB } = b;
  const meta = [...diffJson(metaA ?? {}, metaB ?? {}, { root: 'meta' }), ...diffJson(restA, restB)].map((d) => formatDifference(d));
  const common = pairs.slice(0, exact).map(([, y]) => y.index);
  const reordered = common.some((index, i) => i > 0 && index < common[i - 1]!);
  return { identical: changes.length === 0 && meta.length === 0 && !reordered, changes, meta, reordered };
}

function label(item: Item): Pick<EntryChange, 'toolId' | 'occurrence' | 'repeated'> {
  return { toolId: item.entry.toolId, occurrence: item.occurrence, repeated: item.repeated };
}

function withoutKey(entry: Entry): Record<string, unknown> {
  const { toolId: _toolId, argsHash: _argsHash, ...rest } = entry;
  return rest;
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
  const { values, positionals } = parseCommand(args, { json: { type: 'boolean' } });
  if (values.help === true) {
    io.out(DIFF_HELP.trimEnd());
    return EXIT_OK;
  }
  if (positionals.length !== 2) throw new UsageError(`diff takes two cassette files, got ${positionals.length}`);
  const [fileA, fileB] = positionals as [string, string];
  const [a, b] = await Promise.all([loadForDiff(io, fileA), loadForDiff(io, fileB)]);
  const result = diffCassettes(a, b);
  if (values.json === true) {
    io.out(stableStringify(result).trimEnd());
    return result.identical ? EXIT_OK : EXIT_PROBLEMS;
  }
  const p = paint(io);
  if (result.identical) {
    io.out(`tapedeck diff: ${fileA} and ${fileB} hold the same ${a.entries.length} entries`);
    return EXIT_OK;
  }
  io.out(p.bold(`--- ${fileA}`));
  io.out(p.bold(`+++ ${fileB}`));
  const marks = { removed: p.red('-'), added: p.green('+'), changed: p.yellow('~') };
  for (const change of result.changes) {
    const name = change.repeated ? `${change.toolId} #${change.occurrence}` : change.toolId;
    const index = change.kind === 'changed' && change.a!.index !== change.b!.index ? `entries[${change.a!.index}] -> entries[${change.b!.index}]` : `entries[${(change.b ?? change.a)!.index}]`;
    const hashA = change.a?.argsHash.slice(0, 12);
    const hashB = change.b?.argsHash.slice(0, 12);
    const hash = hashA !== undefined && hashB !== undefined && hashA !== hashB ? `${hashA} -> ${hashB}` : (hashA ?? hashB)!;
    io.out(`${marks[change.kind]} ${p.bold(name)}  ${index}  ${p.dim(hash)}`);
    for (const detail of change.details) io.out(`    ${detail}`);
  }
  if (result.reordered) io.out(`${p.yellow('~')} entries are in a different order (replay is unaffected: calls match by toolId and argsHash)`);
  if (result.meta.length > 0) {
    io.out(`${p.yellow('~')} ${p.bold('meta')}`);
    for (const line of result.meta) io.out(`    ${line}`);
  }
  const count = (kind: EntryChange['kind']) => result.changes.filter((c) => c.kind === kind).length;
  const parts = [`${count('removed')} removed`, `${count('added')} added`, `${count('changed')} changed`];
  if (result.meta.length > 0) parts.push('metadata differs');
  if (result.reordered) parts.push('order differs');
  io.out(`tapedeck diff: ${parts.join(', ')}`);
  return EXIT_PROBLEMS;
}
