import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { ToolCallCassette } from '../cassette.js';
import { currentEnvironment } from '../environment.js';
import type { CassetteFile } from '../format.js';
import { parseJsonText, stableStringify } from '../store.js';
import { readUnusedRecord, unusedRecordPath } from '../unused-record.js';
import { firstError } from './check.js';
import { findCassettes, type FoundFile } from './find.js';
import { byText, EXIT_OK, formatSize, mapLimit, paint, parseCommand, plural, shortMessage, UsageError, type CliIO } from './io.js';
import { driftOf, formatDrift } from './list-drift.js';
import { formatUsageReport, usageOf } from './list-usage.js';

export const LIST_HELP = `Usage: tapedeck list [options] [path...]

Lists the cassettes under each path (default: the current folder), sorted by path: entry count,
size, when they were recorded, and the tools they hold (with call counts). Cassettes are found as
by \`tapedeck check\`. Entries the last test run did not replay are shown as "(N unused)"; see
\`tapedeck prune\`. A cassette that does not load is listed as invalid (run \`tapedeck check\`).

Output columns: PATH  ENTRIES  SIZE  RECORDED  TOOLS

Options:
  --json      print an array of { path, valid, entries, unused, size (bytes), recordedAt,
              schemaVersion, tools: { toolId: calls }, error? } instead
  --drift     instead, show each cassette recorded in another environment than the current
              one (the folder you run in: Node major, client package versions such as
              "packages.openai: 6.49.0 -> 6.52.0"), where it was recorded (git commit,
              "dirty" when the tree had other changes), and a tally of the changes. Replay is
              unaffected; re-record the cassettes whose answers may have changed. With --json:
              { current, cassettes: [{ path, valid, drift, environment, recordedAt, error? }] }
  --usage     instead, total the LLM token usage of the recorded HTTP responses, per model:
              the tokens one replay of these cassettes does not spend (OpenAI and Anthropic,
              JSON and streamed; Gemini). With --json: { models: { model: { calls, input,
              output } }, total, cassettes, withUsage, invalid }
  -h, --help  show this help

Exit codes:
  0  listed (invalid cassettes included)
  2  usage error: unknown option, a path that does not exist
`;

/** What `list` shows about one cassette. */
export interface CassetteSummary {
  path: string;
  valid: boolean;
  entries: number;
  /** Entries the last run did not replay (from the unused record), 0 when none are noted. */
  unused: number;
  size: number;
  recordedAt: string | null;
  schemaVersion: number | null;
  /** toolId -> number of entries, sorted by toolId. */
  tools: Record<string, number>;
  /** Why the cassette does not load (`valid: false` only). */
  error?: string;
}

/** Summarises cassette text (size, entries, tools...); an invalid one gets `valid: false` and the reason. */
export function summarize(text: string, path: string, unused: number): CassetteSummary {
  const size = Buffer.byteLength(text);
  try {
    const data = parseJsonText(text, path);
    const cassette = ToolCallCassette.fromJSON(data, path);
    // fromJSON validated the shape, so the raw entries can be counted without copying them.
    const { schemaVersion, entries } = data as CassetteFile;
    const counts = new Map<string, number>();
    for (const entry of entries) counts.set(entry.toolId, (counts.get(entry.toolId) ?? 0) + 1);
    const tools = Object.fromEntries([...counts].sort(([a], [b]) => byText(a, b)));
    return { path, valid: true, entries: entries.length, unused, size, recordedAt: cassette.meta.recordedAt ?? null, schemaVersion, tools };
  } catch (thrown) {
    const why = firstError(text, path) ?? shortMessage(thrown, path);
    return { path, valid: false, entries: 0, unused, size, recordedAt: null, schemaVersion: null, tools: {}, error: why };
  }
}

/** A cassette as `list --drift` and `--usage` read it: its validated content, or why it does not load. */
export type LoadedCassette = { path: string; file: CassetteFile; error?: undefined } | { path: string; file?: undefined; error: string };

/** Reads and validates `files`, 32 at a time; a file that does not load says why instead. */
export async function loadCassettes(files: readonly FoundFile[]): Promise<LoadedCassette[]> {
  return mapLimit(files, 32, async (found) => {
    const text = found.text ?? (await readFile(found.path, 'utf8'));
    try {
      const data = parseJsonText(text, found.display);
      ToolCallCassette.fromJSON(data, found.display); // validates; the raw data is what is read
      return { path: found.display, file: data as CassetteFile };
    } catch (thrown) {
      return { path: found.display, error: firstError(text, found.display) ?? shortMessage(thrown, found.display) };
    }
  });
}

/** `tapedeck list`: see {@link LIST_HELP}. */
export async function runList(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommand(args, { json: { type: 'boolean' }, drift: { type: 'boolean' }, usage: { type: 'boolean' } });
  if (values.help === true) {
    io.out(LIST_HELP.trimEnd());
    return EXIT_OK;
  }
  if (values.drift === true && values.usage === true) throw new UsageError('--drift and --usage are separate views: give one of them');
  const files = await findCassettes(io, positionals);
  if (values.drift === true) {
    const current = currentEnvironment(io.cwd);
    const report = driftOf(await loadCassettes(files), current);
    if (values.json === true) io.out(stableStringify({ current, cassettes: report }).trimEnd());
    else for (const line of formatDrift(report, current, paint(io))) io.out(line);
    return EXIT_OK;
  }
  if (values.usage === true) {
    const report = usageOf(await loadCassettes(files));
    if (values.json === true) io.out(stableStringify(report).trimEnd());
    else for (const line of formatUsageReport(report, paint(io))) io.out(line);
    return EXIT_OK;
  }
  const unusedByFolder = new Map<string, Promise<Record<string, unknown[]>>>();
  const unusedIn = (path: string): Promise<Record<string, unknown[]>> => {
    const folder = dirname(path);
    let pending = unusedByFolder.get(folder);
    if (pending === undefined) {
      // A damaged record only loses the "(N unused)" hint here; `prune` and `check` report it.
      pending = readUnusedRecord(unusedRecordPath(path)).then((r) => r?.record.cassettes ?? {}, () => ({}));
      unusedByFolder.set(folder, pending);
    }
    return pending;
  };
  const summaries = await mapLimit(files, 32, async (file) => {
    const unused = (await unusedIn(file.path))[basename(file.path)]?.length ?? 0;
    const text = file.text ?? (await readFile(file.path, 'utf8'));
    return summarize(text, file.display, unused);
  });

  if (values.json === true) {
    io.out(stableStringify(summaries).trimEnd());
    return EXIT_OK;
  }
  const p = paint(io);
  const rows = summaries.map((s) => [
    s.path,
    s.valid ? `${s.entries}${s.unused > 0 ? ` (${s.unused} unused)` : ''}` : '-',
    formatSize(s.size),
    s.recordedAt ?? '-',
    s.valid ? Object.entries(s.tools).map(([tool, n]) => (n > 1 ? `${tool} (${n})` : tool)).join(', ') : p.red(`invalid: ${s.error ?? ''}`),
  ]);
  const header = ['PATH', 'ENTRIES', 'SIZE', 'RECORDED', 'TOOLS'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : c === 1 || c === 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ');
  if (rows.length > 0) io.out(p.dim(line(header)));
  for (const row of rows) io.out(line(row));
  const entries = summaries.reduce((n, s) => n + s.entries, 0);
  const bytes = summaries.reduce((n, s) => n + s.size, 0);
  const invalid = summaries.filter((s) => !s.valid).length;
  io.out(
    `${plural(summaries.length, 'cassette')}, ${plural(entries, 'entry', 'entries')}, ${formatSize(bytes)}` +
      (invalid > 0 ? p.red(`, ${invalid} invalid (run tapedeck check)`) : ''),
  );
  return EXIT_OK;
}
