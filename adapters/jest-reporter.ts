// tapedeck/jest-reporter: one tapedeck line for the whole run instead of one per test file.
//   jest.config: reporters: ['default', 'tapedeck/jest-reporter']
import { formatSummary } from '../src/report.js';
import { RunTotals } from '../src/run-totals.js';

/** The part of jest's global config the reporter reads. */
interface GlobalConfigLike {
  watch?: boolean;
  watchAll?: boolean;
}

export default class TapedeckReporter {
  // Made in the constructor: jest builds its reporters before it starts any worker, and the workers
  // inherit the folder's name from the environment.
  readonly #totals = new RunTotals();
  readonly #watch: boolean;

  constructor(globalConfig: GlobalConfigLike = {}) {
    this.#watch = globalConfig.watch === true || globalConfig.watchAll === true;
  }

  onRunStart(): void {
    this.#totals.reset();
  }

  onRunComplete(): void {
    const totals = this.#totals.collect();
    if (totals !== undefined) console.log(formatSummary(totals));
    if (!this.#watch) this.#totals.close();
  }

  getLastError(): undefined {
    return undefined;
  }
}
