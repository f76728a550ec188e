// What the vitest and jest adapters share: the re-record command shown in errors, and the per-file summary.
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { cassettePathFor, fileCassettePathFor, formatSummary, installHttp, runStats, type WithCassetteOptions } from '../src/index.js';
import { effectiveOptions } from '../src/config.js';
import { statsSince } from '../src/report.js';
import { reportFileToRun } from '../src/run-totals.js';
import { FileScope } from '../src/file-scope.js';

/** Options of the adapters' `withCassette`: anything the core takes; `path` is optional (default: DESIGN section 7). */
export type CassetteOptions = Omit<WithCassetteOptions, 'path' | 'fix'> & {
  /** The cassette file, relative to the test file's folder (like vitest's `toMatchFileSnapshot`) or absolute. */
  path?: string;
};

/** The arguments of the adapters' `withCassette([options,] fn)`, as `[options, fn]`. */
export function optionsAndFn<F extends (...args: never[]) => unknown>(optionsOrFn: CassetteOptions | F, maybeFn: F | undefined): [CassetteOptions, F] {
  const [options, fn] = typeof optionsOrFn === 'function' ? [{}, optionsOrFn] : [optionsOrFn, maybeFn];
  if (typeof fn !== 'function') throw new TypeError('tapedeck: withCassette([options,] fn): fn must be a function');
  return [options, fn];
}

/** The cassette path of a test: `options.path`, else `<dir>/__cassettes__/<file>/<describe › test>.json`. */
export function cassettePathOf(options: CassetteOptions, testFile: string, names: readonly string[]): string {
  if (options.path !== undefined) return isAbsolute(options.path) ? options.path : resolve(dirname(testFile), options.path);
  // configure({ cassetteDir }) is a process-wide default; a per-test option overrides it.
  return cassettePathFor({ testFile, testPath: names, cassetteDir: effectiveOptions(options).cassetteDir });
}

/** `file` relative to the working directory (where the user runs the command), with `/` separators. */
export function relativeToCwd(file: string): string {
  const rel = relative(process.cwd(), file);
  return (rel === '' || rel.startsWith('..') ? file : rel).split(sep).join('/');
}

/**
 * Escapes what `-t` (a RegExp in both runners) would read as syntax. `.` is left alone: it still matches
 * itself, and escaping it would make every versioned name (`v1.2`) harder to read.
 */
export function escapeRegExp(text: string): string {
  return text.replace(/[*+?^${}()|[\]\\]/g, '\\$&');
}

/** Quotes one shell argument: bare when safe, "double" when that needs no escapes, else 'single'. */
export function shellArg(arg: string, { bare = true } = {}): string {
  if (bare && /^[\w./@%+=:,-]+$/.test(arg)) return arg;
  if (!/["$`\\!]/.test(arg)) return `"${arg}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command that re-records one test, e.g. `RECORD=1 npx vitest run a.test.ts -t "agent answers"`. */
export function rerunCommand(runner: string, fileArg: string, names: readonly string[]): string {
  // Both runners match -t against the describe names and the test name joined by single spaces.
  return `RECORD=1 npx ${runner} ${shellArg(fileArg)} -t ${shellArg(escapeRegExp(names.join(' ')), { bare: false })}`;
}

/**
 * Registers a hook that prints this test file's tapedeck line when the file is done (or, with tapedeck's
 * reporter in the run, hands it to the reporter, which prints one line for the run): cassettes used,
 * calls replayed, recorded, misses, unused entries, tokens replayed. Counters are per process, so it
 * prints the difference since the adapter was loaded (the same thing when the runner isolates files, which
 * both do by default).
 */
export function summarizeFile(afterAll: (fn: () => Promise<void>) => void, fileScope: FileScope | undefined, print: (line: string) => void = console.log): void {
  const start = runStats();
  afterAll(async () => {
    // The file's own cassette first, so its calls are in the line (one hook: runners order hooks differently).
    try {
      await fileScope?.finish();
    } finally {
      const file = statsSince(start);
      // With tapedeck's reporter in the run, it prints one line for all the files instead.
      if (file.cassettes > 0 && !reportFileToRun(file)) print(formatSummary(file));
    }
  });
}

/**
 * Starts HTTP interception as the adapter is imported, before the test file's own imports build SDK
 * clients (they take `fetch` when constructed), and opens the test file's own cassette (DESIGN section 10)
 * for calls made outside any test ({@link summarizeFile} ends it). Interception and the seal last until the
 * next test file starts in the process.
 */
export function openFileScope(afterAll: (fn: () => Promise<void>) => void, runner: string, testFile: string | undefined): FileScope | undefined {
  const releaseHttp = installHttp();
  if (testFile === undefined) {
    afterAll(releaseHttp);
    return undefined;
  }
  // Ended by summarizeFile's hook, which prints the file's line after it.
  const scope = new FileScope({
    path: () => fileCassettePathFor(testFile, effectiveOptions({}).cassetteDir),
    fix: `RECORD=1 npx ${runner} ${shellArg(relativeToCwd(testFile))}`,
    alsoRelease: releaseHttp,
  });
  return scope;
}

/** The part of `expect.getState()` both runners share that counts assertions. */
export interface AssertionState {
  assertionCalls?: number;
  expectedAssertionsNumber?: number | null;
  isExpectingAssertions?: boolean;
}

/**
 * Whether `expect.assertions(n)` / `expect.hasAssertions()` will fail the test: both runners check them
 * only after the test body returned, which is after tapedeck would have saved.
 */
export function assertionsFailed(state: AssertionState): boolean {
  const calls = state.assertionCalls ?? 0;
  if (typeof state.expectedAssertionsNumber === 'number' && calls !== state.expectedAssertionsNumber) return true;
  return state.isExpectingAssertions === true && calls === 0;
}
