// tapedeck/vitest: `test('name', withCassette(async (cassette) => { ... }))`.
import { afterAll, expect, type TestContext } from 'vitest';
import type { ToolCallCassette } from '../src/index.js';
import { runScope } from '../src/with-cassette.js';
import {
  assertionsFailed,
  cassettePathOf,
  openFileScope,
  optionsAndFn,
  relativeToCwd,
  rerunCommand,
  summarizeFile,
  type CassetteOptions,
} from './runner.js';

export type { CassetteOptions } from './runner.js';

/** The body of a taped test: gets the active cassette, and vitest's context (use its `expect` in `test.concurrent`). */
export type CassetteTestFn = (cassette: ToolCallCassette, context: TestContext) => unknown;

/** A vitest test function. */
export type VitestTestFn = (context: TestContext) => Promise<void>;

type Task = TestContext['task'];

// Importing the adapter is the whole setup: each test file that uses it prints one tapedeck line at its end.
// Intercepts from now on; calls outside any test (module top level, beforeAll, afterAll) go to the file's own cassette.
const fileScope = openFileScope(afterAll, 'vitest run', expect.getState().testPath);
summarizeFile(afterAll, fileScope);

/**
 * Wraps a test body so it runs with its own cassette: `<test dir>/__cassettes__/<file>/<describe › test>.json`,
 * recorded or replayed as `RECORD` / `CI` say. The identity comes from the test context, so it holds under
 * `test.concurrent`.
 */
export function withCassette(fn: CassetteTestFn): VitestTestFn;
export function withCassette(options: CassetteOptions, fn: CassetteTestFn): VitestTestFn;
export function withCassette(optionsOrFn: CassetteOptions | CassetteTestFn, maybeFn?: CassetteTestFn): VitestTestFn {
  const [options, fn] = optionsAndFn(optionsOrFn, maybeFn);
  // The first parameter stays destructured: vitest reads it to decide which test.extend fixtures to set up,
  // and rejects a plain identifier when the test has fixtures.
  return async function tapedeckTest({ task }: TestContext): Promise<void> {
    // eslint-disable-next-line prefer-rest-params
    const context = arguments[0] as TestContext;
    if (task?.type !== 'test') {
      throw new TypeError(
        'tapedeck: withCassette() did not receive the vitest test context. Pass it as the test function itself, ' +
          "test('name', withCassette(fn)); test.each() passes no context (use a loop of test() calls).",
      );
    }
    const testFile = task.file.filepath;
    const names = namePath(task);
    const path = cassettePathOf(options, testFile, names);
    // expect.soft failures and timeouts mark the task failed; expect.assertions(n) is checked after the body.
    // vitest counts assertions on the test's own expect only once the test has touched it (`_local`).
    const assertions = () => ((context as { _local?: boolean })._local === true ? context.expect : expect).getState();
    const failed = () => task.result?.state === 'fail' || (task.result?.errors?.length ?? 0) > 0 || assertionsFailed(assertions());
    await runScope(
      { ...options, path, fixCommand: () => rerunCommand('vitest run', relativeToCwd(testFile), names), name: names.join(' › '), failed, ...(fileScope ? { onLateFailure: (e) => fileScope.lateFailure(e) } : {}) },
      (cassette) => fn(cassette, context),
    );
  };
}

/** The describe names enclosing the test, then the test's own name (the file itself is not a name). */
function namePath(task: Task): string[] {
  const names = [task.name];
  for (let suite = task.suite; suite !== undefined && suite !== task.file; suite = suite.suite) names.unshift(suite.name);
  return names;
}
