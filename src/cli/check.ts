import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ToolCallCassette } from '../cassette.js';
import { isReplayError, type ReplayError } from '../errors.js';
import { SCHEMA_VERSION, parseCassetteFile } from '../format.js';
import { hashJson, nestsDeeperThan, type JsonValue } from '../hash.js';
import { formatPath } from '../json-path.js';
import { findSecrets, withArticle } from '../secrets/index.js';
import { parseJsonText, stableStringify } from '../store.js';
import { findDuplicateKeys } from './duplicate-keys.js';
import { findCassettes } from './find.js';
import { EXIT_OK, EXIT_PROBLEMS, mapLimit, paint, parseCommand, plural, shortMessage, UsageError, type CliIO } from './io.js';

export const CHECK_HELP = `Usage: tapedeck check [options] [path...]

Validates every cassette under each path (default: the current folder): JSON syntax, duplicate keys,
the schema and its version, that every entry's args still hash to its argsHash, secrets (API keys,
tokens) anywhere in the file, and, with --signatures, that no tool changed since it was recorded.
Every problem in every file is reported, not just the first.

Which files are cassettes:
  - every *.json inside a __cassettes__ folder (one that is not a valid cassette is a problem)
  - elsewhere, a *.json whose top level has both "schemaVersion" and "entries"
  - any file named on the command line
  node_modules, dot-folders and dot-files are skipped.

Output: one line per problem, in file order, then a summary line:
  <file>: <json.path>: <kind>: <what>
  <file>: <json.path>: warning: <what>        (warnings do not fail the check)
kinds: invalid-json, merge-conflict, duplicate-key, corrupt-cassette, schema-version-unsupported,
       hash-mismatch, tool-signature-mismatch, secret-detected, unreadable

Options:
  --signatures <file>  a JSON object mapping toolId to the tool's current signature (a string, or
                       null for a tool without schema/version), e.g. written by a script from your
                       tools' \`.signature\`. A cassette whose recorded signature differs would be
                       refused on replay; it is reported as tool-signature-mismatch. Tools not in
                       the file are not checked.
  --json               print { cassettes, problems: [{ file, path, severity, kind, message }] }
  -h, --help           show this help

Exit codes:
  0  no problems (warnings allowed)
  1  at least one problem
  2  usage error: unknown option, a path that does not exist, a bad --signatures file
`;

/** What is wrong at one place in a cassette file. */
export interface Problem {
  /** JSON path inside the file, `$`-rooted (`$.entries[2].args`). */
  path: string;
  /** `error` fails the check; `warning` is printed only. */
  severity: 'error' | 'warning';
  /** A ReplayError reason where one fits, else `invalid-json`, `merge-conflict`, `duplicate-key`, ... */
  kind: string;
  message: string;
}

/** Current tool signatures from user code: toolId -> signature (`null`: the tool has no schema/version). */
export type Signatures = ReadonlyMap<string, string | null>;

const error = (path: string, kind: string, message: string): Problem => ({ path, severity: 'error', kind, message });
const warning = (path: string, kind: string, message: string): Problem => ({ path, severity: 'warning', kind, message });

/**
 * Every problem in one cassette file's text, in a stable order: syntax, duplicate keys, schema and
 * hashes (entry by entry), tool signatures, then secrets. `source` names the file in messages.
 */
export function checkCassetteText(text: string, source: string, signatures?: Signatures): Problem[] {
  let data: unknown;
  try {
    data = parseJsonText(text, source);
  } catch (parseError) {
    const marker = /^(?:<{7}|={7}|>{7})(?: |$)/m.exec(text);
    if (marker !== null) {
      const line = text.slice(0, marker.index).split('\n').length;
      return [error('$', 'merge-conflict', `git conflict markers (first at line ${line}): resolve the merge, or re-record the cassette`)];
    }
    return [error('$', 'invalid-json', shortMessage(parseError, source))];
  }
  // Valid JSON too deep to walk (every later pass recurses): the loader refuses it, and that is the one
  // problem to report; nothing else can be checked in it.
  if (nestsDeeperThan(data)) {
    try {
      ToolCallCassette.fromJSON(data, source);
    } catch (loadError) {
      return [fromReplayError(loadError, source)];
    }
  }
  const problems = findDuplicateKeys(text).map((d) =>
    error(d.path, 'duplicate-key', `key ${JSON.stringify(d.key)} appears more than once in its object; JSON keeps only the last`),
  );
  let cassette: ToolCallCassette | undefined;
  try {
    cassette = ToolCallCassette.fromJSON(data, source);
  } catch (loadError) {
    const found = structuralProblems(data, source);
    // The loader is the reference: whatever it refuses must fail the check, even if it is a rule the
    // detailed pass does not know about yet.
    problems.push(...(found.length > 0 ? found : [fromReplayError(loadError, source)]));
  }
  if (cassette !== undefined) {
    problems.push(...versionWarnings(data as { schemaVersion: number }), ...metaWarnings(cassette));
    if (signatures !== undefined) problems.push(...signatureProblems(cassette, signatures));
  }
  for (const finding of findSecrets(data)) {
    problems.push(error(finding.jsonPath, 'secret-detected', `looks like ${withArticle(finding.kind)}; redact it and re-record`));
  }
  return problems;
}

/** `json.path: kind: what` of the first error in a cassette's text, or `undefined` when it is valid. */
export function firstError(text: string, source: string): string | undefined {
  const problem = checkCassetteText(text, source).find((p) => p.severity === 'error');
  return problem === undefined ? undefined : `${problem.path}: ${problem.kind}: ${problem.message}`;
}

/** Schema and hash problems of a file the loader refused, all of them (the loader stops at the first). */
function structuralProblems(data: unknown, source: string): Problem[] {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return [error('$', 'corrupt-cassette', `expected a cassette object { schemaVersion, meta, entries }, found ${describe(data)}`)];
  }
  const file = data as Record<string, unknown>;
  const problems: Problem[] = [];
  const entries = file.entries;
  // The top level on its own (entries emptied), then each entry on its own: one problem per part.
  const top = schemaProblem({ ...file, entries: Array.isArray(entries) ? [] : entries }, source);
  if (top !== undefined) problems.push(top);
  if (!Array.isArray(entries)) return problems;
  const version = typeof file.schemaVersion === 'number' && Number.isInteger(file.schemaVersion) && file.schemaVersion >= 1 ? file.schemaVersion : SCHEMA_VERSION;
  entries.forEach((entry: unknown, i) => {
    const at = `$.entries[${i}]`;
    const invalid = schemaProblem({ schemaVersion: version, entries: [entry] }, source);
    if (invalid !== undefined) {
      problems.push({ ...invalid, path: invalid.path.replace('$.entries[0]', at) });
      return;
    }
    const { toolId, argsHash, args } = entry as { toolId: string; argsHash: string; args?: unknown };
    if (args === undefined) {
      problems.push(error(`${at}.args`, 'corrupt-cassette', `${toolId}: args are missing`));
      return;
    }
    const actual = hashJson(args as JsonValue);
    if (actual !== argsHash) problems.push(hashMismatch(at, toolId, argsHash, actual));
  });
  return problems;
}

function schemaProblem(data: unknown, source: string): Problem | undefined {
  try {
    parseCassetteFile(data, source);
    return undefined;
  } catch (thrown) {
    return fromReplayError(thrown, source);
  }
}

function hashMismatch(at: string, toolId: string, stored: string, actual: string): Problem {
  return error(
    `${at}.args`,
    'hash-mismatch',
    `${toolId}: args hash to ${actual}, not to the stored argsHash ${stored.slice(0, 12)}… (edited by hand or merged badly): ` +
      `re-record (RECORD=1), or set argsHash to the new hash if the edit was intended`,
  );
}

/** A problem from a ReplayError: its JSON path, its reason, and the zod message or first line. */
function fromReplayError(thrown: unknown, source: string): Problem {
  if (!isReplayError(thrown)) throw thrown;
  const path = rootedPath(thrown.jsonPath ?? '$');
  return error(path, thrown.reason, thrown.reason === 'hash-mismatch' ? shortMessage(thrown, source) : issueText(thrown, source));
}

function issueText(thrown: ReplayError, source: string): string {
  // Messages name the path and then the zod issue: `  at $.entries[0].argsHash: must be 64 lowercase…`.
  const at = thrown.jsonPath;
  if (at !== undefined) {
    for (const line of thrown.message.split('\n').slice(1)) {
      const k = line.indexOf(`${at}: `);
      if (k >= 0) {
        const detail = line.slice(k + at.length + 2).trim();
        return thrown.reason === 'schema-version-unsupported'
          ? `schemaVersion is newer than ${SCHEMA_VERSION} (what this tapedeck reads), and this does not fit version ${SCHEMA_VERSION}: ${detail}`
          : detail;
      }
    }
  }
  return shortMessage(thrown, source);
}

function rootedPath(path: string): string {
  if (path.startsWith('$')) return path;
  return path.startsWith('[') ? `$${path}` : `$.${path}`;
}

function versionWarnings(file: { schemaVersion: number }): Problem[] {
  if (file.schemaVersion <= SCHEMA_VERSION) return [];
  return [
    warning(
      '$.schemaVersion',
      'schema-version-newer',
      `schemaVersion ${file.schemaVersion} is newer than ${SCHEMA_VERSION}; its entries still validate, so it is read as version ${SCHEMA_VERSION} (upgrade tapedeck)`,
    ),
  ];
}

function metaWarnings(cassette: ToolCallCassette): Problem[] {
  const recordedAt = cassette.meta.recordedAt;
  if (recordedAt === undefined || !Number.isNaN(Date.parse(recordedAt))) return [];
  return [warning('$.meta.recordedAt', 'recorded-at', `${JSON.stringify(recordedAt)} is not a date (ISO 8601 expected)`)];
}

function signatureProblems(cassette: ToolCallCassette, signatures: Signatures): Problem[] {
  const problems: Problem[] = [];
  for (const [toolId, current] of signatures) {
    const recorded = cassette.signatureOf(toolId);
    if ((current ?? undefined) === recorded || !cassette.hasTool(toolId)) continue;
    problems.push(
      error(
        formatPath(['meta', 'tools', toolId, 'signature']),
        'tool-signature-mismatch',
        `${toolId} was recorded with signature ${recorded ?? '(none)'}, and its signature is now ${current ?? '(none)'}: ` +
          `replay would refuse it; re-record the tests that use it`,
      ),
    );
  }
  return problems;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** Reads a `--signatures` file: a JSON object of toolId -> signature string or null. */
export async function loadSignatures(cwd: string, file: string): Promise<Signatures> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(resolve(cwd, file), 'utf8'));
  } catch (thrown) {
    throw new UsageError(`--signatures ${file}: ${(thrown as Error).message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError(`--signatures ${file}: expected a JSON object mapping toolId to signature, found ${describe(data)}`);
  }
  const out = new Map<string, string | null>();
  for (const [toolId, signature] of Object.entries(data)) {
    if (signature !== null && typeof signature !== 'string') {
      throw new UsageError(`--signatures ${file}: ${JSON.stringify(toolId)} must map to a signature string or null, found ${describe(signature)}`);
    }
    out.set(toolId, signature);
  }
  return out;
}

/** `tapedeck check`: see {@link CHECK_HELP}. */
export async function runCheck(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommand(args, { signatures: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help === true) {
    io.out(CHECK_HELP.trimEnd());
    return EXIT_OK;
  }
  const signatures = values.signatures === undefined ? undefined : await loadSignatures(io.cwd, values.signatures);
  const files = await findCassettes(io, positionals);
  const results = await mapLimit(files, 32, async (file) => {
    let text: string;
    try {
      text = file.text ?? (await readFile(file.path, 'utf8'));
    } catch (thrown) {
      return [error('$', 'unreadable', (thrown as Error).message)];
    }
    try {
      return checkCassetteText(text, file.display, signatures);
    } catch (thrown) {
      // A file this check cannot handle is that file's problem: the others are still checked.
      return [error('$', 'unchecked', `tapedeck could not check this file: ${(thrown as Error).message}`)];
    }
  });

  const rows = files.flatMap((file, i) => results[i]!.map((problem) => ({ file: file.display, ...problem })));
  const errors = rows.filter((r) => r.severity === 'error');
  const failedFiles = new Set(errors.map((r) => r.file)).size;
  if (values.json === true) {
    io.out(stableStringify({ cassettes: files.length, problems: rows }).trimEnd());
  } else {
    const p = paint(io);
    for (const r of rows) {
      const label = r.severity === 'error' ? p.red(r.kind) : p.yellow('warning');
      io.out(`${p.bold(r.file)}: ${p.cyan(r.path)}: ${label}: ${r.message}`);
    }
    const warnings = rows.length - errors.length;
    const tail = warnings > 0 ? `, ${plural(warnings, 'warning')}` : '';
    io.out(
      errors.length > 0
        ? p.red(`tapedeck check: ${plural(errors.length, 'problem')} in ${plural(failedFiles, 'file')} (${plural(files.length, 'cassette')} checked${tail})`)
        : p.green(`tapedeck check: ${plural(files.length, 'cassette')} checked, no problems${tail}`),
    );
  }
  return errors.length > 0 ? EXIT_PROBLEMS : EXIT_OK;
}
