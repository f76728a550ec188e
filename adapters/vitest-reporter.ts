// tapedeck/vitest-reporter: one tapedeck line for the whole run instead of one per test file.
//   vitest.config: reporters: ['default', 'tapedeck/vitest-reporter']
import { RunTotals } from '../src/run-totals.js';

/** The part of vitest's `Vitest` object the reporter reads. */
interface VitestLike {
  config: { watch?: boolean };
}

export default class TapedeckReporter {
  #totals: RunTotals | undefined;

  onInit(vitest: VitestLike): void {
    // Before any worker starts: they inherit the folder's name from the environment.
    this.#totals = new RunTotals({ watch: vitest.config.watch === true });
  }

  onTestRunStart(): void {
    this.#totals?.start();
  }

  onTestRunEnd(): void {
    this.#totals?.end();
  }
}
