import type { StoredResponse } from '../http/exchange.js';
import { addUsage, formatCount, responseUsage, type TokenUsage, type UsageByModel } from '../usage.js';
import { byText, plural, type Paint } from './io.js';
import type { LoadedCassette } from './list.js';

/** What `list --usage --json` prints: token totals per model across the cassettes. */
export interface UsageReport {
  models: UsageByModel;
  total: TokenUsage;
  /** Valid cassettes read, and how many of them hold a response that reports usage. */
  cassettes: number;
  withUsage: number;
  invalid: number;
}

/**
 * Adds up the token usage of every recorded HTTP response (see `responseUsage`): what one replay of
 * these cassettes saves. Recorded errors and `tool()` entries are not HTTP responses and do not count.
 */
export function usageOf(cassettes: readonly LoadedCassette[]): UsageReport {
  const models: UsageByModel = {};
  let withUsage = 0;
  for (const c of cassettes) {
    let found = false;
    for (const entry of c.file?.entries ?? []) {
      if (!entry.toolId.startsWith('http:') || !entry.result.ok) continue;
      const usage = responseUsage(entry.result.value as StoredResponse);
      if (usage === undefined) continue;
      addUsage(models, usage);
      found = true;
    }
    if (found) withUsage++;
  }
  const total: TokenUsage = { input: 0, output: 0, calls: 0 };
  for (const usage of Object.values(models)) {
    total.input += usage.input;
    total.output += usage.output;
    total.calls += usage.calls;
  }
  const sorted = Object.fromEntries(Object.entries(models).sort(([a], [b]) => byText(a, b)));
  const invalid = cassettes.filter((c) => c.file === undefined).length;
  return { models: sorted, total, cassettes: cassettes.length - invalid, withUsage, invalid };
}

/** The text of `tapedeck list --usage`: a MODEL / CALLS / INPUT / OUTPUT table with a total row. */
export function formatUsageReport(report: UsageReport, p: Paint): string[] {
  const lines: string[] = [];
  const rows = Object.entries(report.models).map(([model, u]) => [model, formatCount(u.calls), formatCount(u.input), formatCount(u.output)]);
  if (rows.length > 0) {
    rows.push(['total', formatCount(report.total.calls), formatCount(report.total.input), formatCount(report.total.output)]);
    const header = ['MODEL', 'CALLS', 'INPUT', 'OUTPUT'];
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
    const line = (cells: string[]): string => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
    lines.push(p.dim(line(header)), ...rows.map(line));
  }
  lines.push(
    `${plural(report.total.calls, 'response')} with token usage in ${report.withUsage} of ${plural(report.cassettes, 'cassette')}` +
      (report.invalid > 0 ? p.red(`, ${report.invalid} invalid (run tapedeck check)`) : ''),
  );
  return lines;
}
