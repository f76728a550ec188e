import { environmentDrift } from '../environment.js';
import type { RecordedEnvironment } from '../format.js';
import { plural, type Paint } from './io.js';
import type { LoadedCassette } from './list.js';

/** What `list --drift --json` prints for one cassette. */
export interface CassetteDrift {
  path: string;
  valid: boolean;
  /** `field: recorded -> current` lines (empty: same environment, or none recorded). */
  drift: string[];
  /** The environment the cassette was recorded in, `null` when it has none (or does not load). */
  environment: RecordedEnvironment | null;
  recordedAt: string | null;
  error?: string;
}

/** Compares every cassette's recorded environment with `current`, as `tapedeck list --drift` shows it. */
export function driftOf(cassettes: readonly LoadedCassette[], current: RecordedEnvironment): CassetteDrift[] {
  return cassettes.map((c) => {
    if (c.file === undefined) return { path: c.path, valid: false, drift: [], environment: null, recordedAt: null, error: c.error };
    const environment = c.file.meta?.environment ?? null;
    return { path: c.path, valid: true, drift: environmentDrift(environment ?? undefined, current), environment, recordedAt: c.file.meta?.recordedAt ?? null };
  });
}

/** `node v20.20.2 (linux-x64), openai 6.52.0, ...`: the environment in one line. */
export function describeEnvironment(env: RecordedEnvironment): string {
  const packages = Object.entries(env.packages ?? {}).map(([name, version]) => `${name} ${version}`);
  return [`node ${env.node ?? '?'}${env.platform === undefined ? '' : ` (${env.platform})`}`, ...packages].join(', ');
}

/** The text of `tapedeck list --drift`: each drifted cassette with its changes, a tally, a count. */
export function formatDrift(report: readonly CassetteDrift[], current: RecordedEnvironment, p: Paint): string[] {
  const lines = [p.dim(`current environment: ${describeEnvironment(current)}`)];
  const tally = new Map<string, number>();
  for (const c of report) {
    if (!c.valid) {
      lines.push(`${c.path}  ${p.red(`invalid: ${c.error ?? ''}`)}`);
      continue;
    }
    if (c.drift.length === 0) continue;
    const git = c.environment?.git;
    const where = [c.recordedAt === null ? '' : `recorded ${c.recordedAt}`, git === undefined ? '' : `at ${git.commit.slice(0, 12)}${git.dirty ? ' (dirty)' : ''}`];
    lines.push(`${c.path}${p.dim(where.some(Boolean) ? `  ${where.filter(Boolean).join(' ')}` : '')}`);
    for (const change of c.drift) {
      lines.push(`    ${p.yellow(change)}`);
      tally.set(change, (tally.get(change) ?? 0) + 1);
    }
  }
  const drifted = report.filter((c) => c.drift.length > 0).length;
  if (drifted > 1) {
    lines.push('', 'changes:');
    const width = String(Math.max(...tally.values())).length;
    for (const [change, n] of [...tally].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))) {
      lines.push(`  ${String(n).padStart(width)}  ${change}`);
    }
  }
  const valid = report.filter((c) => c.valid);
  const without = valid.filter((c) => c.environment === null).length;
  const invalid = report.length - valid.length;
  lines.push(
    `${drifted} of ${plural(valid.length, 'cassette')} recorded in a different environment` +
      (without > 0 ? `, ${without} without a recorded environment` : '') +
      (invalid > 0 ? p.red(`, ${invalid} invalid (run tapedeck check)`) : ''),
  );
  return lines;
}
