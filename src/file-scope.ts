import { join, dirname, basename } from 'node:path';
import { setFileSession } from './context.js';
import type { ReplayError } from './errors.js';
import { holdForFile, seal } from './http/seal.js';
import type { CassetteSession } from './session.js';
import { openSession, type WithCassetteOptions } from './with-cassette.js';

/** What a test file's own cassette needs: where it is, how to re-record it, and the options of its scopes. */
export interface FileScopeInit extends Omit<WithCassetteOptions, 'fix' | 'path'> {
  /** The cassette file; asked when it is first needed, after the test file's own `configure()` ran. */
  path: () => string;
  /** The command that re-records the whole test file. */
  fix: string;
  /** Also ended when the file's seal ends (the adapters' HTTP interception for the file). */
  alsoRelease?: () => unknown;
}

/**
 * The cassette of a test file itself (DESIGN section 10): calls made outside any test (at a module's top
 * level, in `beforeAll` / `afterAll`, by a timer started there) are taped into it, with the same modes as
 * the tests'. It is opened on the first such call, so a file that makes none reads and writes nothing.
 * Problems that arrive after a test finished (`session-closed`) are reported here, and fail the file.
 */
export class FileScope {
  readonly #init: FileScopeInit;
  #session: CassetteSession | undefined;
  /** Problems reported from tests that had already finished; they fail the file at its end. */
  readonly #late: ReplayError[] = [];
  readonly #release: () => void;
  #finished = false;

  constructor(init: FileScopeInit) {
    this.#init = init;
    const unsetSession = setFileSession(() => this.session());
    const unseal = seal();
    // The file's seal, its interception, and its cassette as the scope of calls outside tests outlive the
    // adapter's last hook (see holdForFile), so a user's own afterAll that jest runs after it is still
    // taped and sealed.
    this.#release = () => {
      unsetSession();
      unseal();
      void init.alsoRelease?.();
    };
    holdForFile(this.#release);
  }

  /** The file's session, opened on first use. A cassette that cannot be opened fails every call and the file. */
  session(): CassetteSession {
    if (this.#session !== undefined) return this.#session;
    const { alsoRelease: _release, ...options } = this.#init;
    const init = {
      ...options,
      path: this.#init.path(),
      name: '(outside any test)',
      countWhenUsed: true,
      lingers: true,
      onLateFailure: (error: ReplayError) => this.lateFailure(error),
    };
    try {
      this.#session = openSession(init);
    } catch (error) {
      // A corrupt cassette, RECORD=1 under CI, ...: every call misses, and the file fails with this error.
      this.#session = openSession({ ...init, mode: 'replay', path: join(dirname(init.path), '.unreadable', basename(init.path)) });
      this.#session.failures.push(error as ReplayError);
    }
    // Opened after the file's end (by a user's afterAll that runs after the adapter's): saves as it goes.
    if (this.#finished) void this.#session.finish('passed');
    return this.#session;
  }

  /** Notes a problem of a test that had already finished; it fails the file at its end. */
  lateFailure(error: ReplayError): void {
    this.#late.push(error);
  }

  /**
   * Ends the file: saves its cassette as the mode says, and throws what went wrong in it (its own calls'
   * problems, then calls that arrived after their test finished). The cassette keeps serving calls made
   * after this (see `lingers`), saving each one it records.
   */
  async finish(): Promise<void> {
    this.#finished = true;
    const late = this.#late[0];
    await this.#session?.finish(late === undefined ? 'passed' : 'failed');
    if (late !== undefined) throw late;
  }
}
