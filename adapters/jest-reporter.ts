// tapedeck/jest-reporter: one tapedeck line for the whole run instead of one per test file.
//   jest.config: reporters: ['default', 'tapedeck/jest-reporter']
import { RunTotals } from '../src/run-totals.js';

/** The part of jest's global config the reporter reads. */
interface GlobalConfigLike {
  watch?: boolean;
  watchAll?: boolean;
}

export default class TapedeckReporter {
  readonly #totals: RunTotals;

  constructor(globalConfig: GlobalConfigLike = {}) {
    // jest builds its reporters before it starts any worker: they inherit the folder's name.
    this.#totals = new RunTotals({ watch: globalConfig.watch === true || globalConfig.watchAll === true });
  }

  onRunStart(): void {
    this.#totals.start();
  }

  onRunComplete(): void {
    this.#totals.end();
  }

  getLastError(): undefined {
    return undefined;
  }
}
