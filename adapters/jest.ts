// tapedeck/jest: `test('name', withCassette(async (cassette) => { ... }))`.
import { afterAll, expect } from '@jest/globals';
import type { ToolCallCassette } from '../src/index.js';
import { runScope } from '../src/with-cassette.js';
import {
  assertionsFailed,
  cassettePathOf,
  openFileScope,
  optionsAndFn,
  escapeRegExp,
  relativeToCwd,
  rerunCommand,
  summarizeFile,
  type CassetteOptions,
} from './runner.js';

export type { CassetteOptions } from './runner.js';

/** The body of a taped test: gets the active cassette, then the row of `test.each`, if any. */
export type CassetteTestFn<A extends unknown[] = []> = (cassette: ToolCallCassette, ...args: A) => unknown;

/**
 * A jest test function. Its `length` is 0 (a rest parameter does not count): jest would read a declared
 * parameter as a `done` callback.
 */
export type JestTestFn<A extends unknown[] = []> = (...args: A) => Promise<void>;

/** What jest-circus's test identity looks like: a test or describe block linked to its parent. */
interface CircusBlock {
  name?: unknown;
  parent?: CircusBlock;
}

// Importing the adapter is the whole setup: each test file that uses it prints one tapedeck line at its end.
// Intercepts from now on; calls outside any test (module top level, beforeAll, afterAll) go to the file's own cassette.
const fileScope = openFileScope(afterAll, 'jest', expect.getState().testPath);
// Written to the stream itself: jest shows a console.log from a test file as a block with a stack frame
// pointing into tapedeck's dist chunk, which reads as noise (or a warning) rather than a summary.
summarizeFile(afterAll, fileScope, (line) => process.stderr.write(`${line}\n`));

/**
 * Wraps a test body so it runs with its own cassette: `<test dir>/__cassettes__/<file>/<describe › test>.json`,
 * recorded or replayed as `RECORD` / `CI` say. The identity comes from `expect.getState()`.
 */
export function withCassette<A extends unknown[] = []>(fn: CassetteTestFn<A>): JestTestFn<A>;
export function withCassette<A extends unknown[] = []>(options: CassetteOptions, fn: CassetteTestFn<A>): JestTestFn<A>;
export function withCassette<A extends unknown[]>(optionsOrFn: CassetteOptions | CassetteTestFn<A>, maybeFn?: CassetteTestFn<A>): JestTestFn<A> {
  const [options, fn] = optionsAndFn(optionsOrFn, maybeFn);
  return async function tapedeckTest(...args: A): Promise<void> {
    const state = expect.getState();
    const testFile = state.testPath;
    if (testFile === undefined) {
      throw new TypeError("tapedeck: withCassette() ran outside a jest test. Pass it as the test function: test('name', withCassette(fn)).");
    }
    const names = namePath(state.currentTestIdentity?.()) ?? [state.currentConcurrentTestName?.() ?? state.currentTestName ?? 'unnamed test'];
    const path = cassettePathOf(options, testFile, names);
    // jest reads the file argument as a RegExp too.
    // jest >= 30: the running test's own entry, where jest-circus puts its errors (a timeout's included).
    const entry = state.currentTestIdentity?.() as { errors?: unknown[] } | undefined;
    const running = state.currentTestName;
    // expect.assertions(n) / hasAssertions() are checked after the body returned. A test abandoned on a
    // timeout has the timeout among its errors (jest < 30: finds another test running when its body returns).
    const failed = () => {
      const now = expect.getState();
      if (assertionsFailed(now)) return true;
      return entry !== undefined ? (entry.errors?.length ?? 0) > 0 : now.currentTestName !== running;
    };
    await runScope(
      { ...options, path, fixCommand: () => rerunCommand('jest', escapeRegExp(relativeToCwd(testFile)), names), name: names.join(' › '), failed, ...(fileScope ? { onLateFailure: (e) => fileScope.lateFailure(e) } : {}) },
      (cassette) => fn(cassette, ...args),
    );
  };
}

/**
 * The describe names and the test name, from jest-circus's test identity (jest >= 30, right under
 * `test.concurrent`). `currentTestName` joins them with spaces, which cannot be split back; older jest
 * falls back to it as a single name.
 */
function namePath(identity: object | undefined): string[] | undefined {
  const names: string[] = [];
  // The root describe block is the one without a parent; its name is not part of the test's.
  for (let block = identity as CircusBlock | undefined; block?.parent !== undefined; block = block.parent) {
    if (typeof block.name !== 'string') return undefined;
    names.unshift(block.name);
  }
  return names.length > 0 ? names : undefined;
}
