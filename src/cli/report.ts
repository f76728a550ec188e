import { realpathSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ToolCallCassette } from '../cassette.js';
import type { CassetteFile } from '../format.js';
import { parseJsonText } from '../store.js';
import { renderReport, type ReportTest } from '../transcript/html.js';
import { readTranscript } from '../transcript/read.js';
import { diffCassettes, formatCassetteDiff } from './diff.js';
import { findCassettes } from './find.js';
import { gitChanges, headText } from './git.js';
import { EXIT_OK, EXIT_PROBLEMS, displayPath, paint, parseCommand, plural, shortMessage, type CliIO } from './io.js';
import { loadCassettes } from './list.js';

export const REPORT_HELP = `Usage: tapedeck report [options] [path...]

Writes one self-contained HTML page (no network, no external assets) for the cassettes under the paths
(default: the working folder): the tests with their tools, models, calls and tokens; tokens per model;
each test's transcript as a chat view (expand a test to read it); cassettes that differ from git HEAD
marked \`changed\` or \`new\`, with their conversation diff (as \`tapedeck diff\` prints it). Credentials are
masked.

Options:
  -o, --out <file>   where to write the page (default: tapedeck-report.html)
  -t, --test <name>  only the cassettes whose test name contains <name>
  -h, --help         show this help

Exit codes:
  0  written
  1  written, but a cassette could not be read (listed in the page and here)
  2  usage error (unknown option, a path that does not exist)
`;

/** `tapedeck report`: see {@link REPORT_HELP}. */
export async function runReport(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommand(args, { out: { type: 'string', short: 'o' }, test: { type: 'string', short: 't' } });
  if (values.help === true) {
    io.out(REPORT_HELP.trimEnd());
    return EXIT_OK;
  }
  const found = await findCassettes(io, positionals);
  const loaded = await loadCassettes(found);
  const git = gitChanges(io.cwd);
  const tests: ReportTest[] = [];
  const invalid: Array<{ path: string; error: string }> = [];
  for (const [i, cassette] of loaded.entries()) {
    if (cassette.file === undefined) {
      invalid.push({ path: cassette.path, error: cassette.error });
      continue;
    }
    const transcript = readTranscript(cassette.file, cassette.path);
    if (values.test !== undefined && !transcript.test.includes(values.test)) continue;
    const test: ReportTest = { transcript };
    // git names files by their real path; the working folder may be reached through a link (macOS /tmp).
    const real = 'status' in git ? realpathSync(found[i]!.path) : undefined;
    const status = real === undefined || !('status' in git) ? undefined : git.status.get(real);
    if (status !== undefined && 'root' in git) {
      test.status = status;
      if (status === 'changed') test.diff = headDiff(git.root, real!, cassette.path, cassette.file);
    }
    tests.push(test);
  }
  const out = resolve(io.cwd, values.out ?? 'tapedeck-report.html');
  const page = renderReport({ tests, invalid, generatedAt: new Date().toISOString(), ...('note' in git ? { gitNote: git.note } : {}) });
  await writeFile(out, page);
  for (const bad of invalid) io.err(`tapedeck: ${bad.path}: ${bad.error}`);
  const changed = tests.filter((t) => t.status !== undefined).length;
  io.out(`tapedeck report: ${displayPath(io, out)}: ${plural(tests.length, 'test')}${changed > 0 ? `, ${changed} changed against HEAD` : ''}${invalid.length > 0 ? `, ${invalid.length} unreadable` : ''}`);
  return invalid.length > 0 ? EXIT_PROBLEMS : EXIT_OK;
}

/** The conversation diff of a cassette against its HEAD version, or a line saying why there is none. */
function headDiff(root: string, path: string, display: string, now: CassetteFile): string[] {
  const text = headText(root, path);
  if (text === undefined) return ['(not in HEAD)'];
  let before: CassetteFile;
  try {
    const data = parseJsonText(text, `HEAD:${display}`);
    ToolCallCassette.fromJSON(data, `HEAD:${display}`);
    before = data as CassetteFile;
  } catch (error) {
    return [`HEAD's version is not a valid cassette: ${shortMessage(error)}`];
  }
  return formatCassetteDiff(diffCassettes(before, now), paint({ color: false }), [`HEAD:${display}`, display], before.entries.length);
}
