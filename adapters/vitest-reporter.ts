// tapedeck/vitest-reporter: one tapedeck line for the whole run instead of one per test file.
//   vitest.config: reporters: ['default', 'tapedeck/vitest-reporter']
import { formatSummary } from '../src/report.js';
import { RunTotals } from '../src/run-totals.js';

/** The part of vitest's `Vitest` object the reporter reads. */
interface VitestLike {
  config: { watch?: boolean };
}

export default class TapedeckReporter {
  #totals: RunTotals | undefined;
  #watch = false;
  readonly #print: (line: string) => void;

  constructor(options: { print?: (line: string) => void } = {}) {
    this.#print = options.print ?? ((line) => console.log(line));
  }

  onInit(vitest: VitestLike): void {
    // Before any worker starts: they inherit the folder's name from the environment.
    this.#totals = new RunTotals();
    this.#watch = vitest.config.watch === true;
  }

  onTestRunStart(): void {
    this.#totals?.reset();
  }

  onTestRunEnd(): void {
    const totals = this.#totals?.collect();
    if (totals !== undefined) this.#print(formatSummary(totals));
    if (!this.#watch) this.#totals?.close();
  }
}
