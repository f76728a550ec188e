import { maskSecrets } from '../secrets/index.js';
import { VERSION } from '../version.js';
import { runCheck } from './check.js';
import { runDiff } from './diff.js';
import { EXIT_OK, EXIT_USAGE, UsageError, type CliIO } from './io.js';
import { runList } from './list.js';
import { runPrune } from './prune.js';
import { runReport } from './report.js';
import { runShow } from './show.js';

export const MAIN_HELP = `Usage: tapedeck <command> [options]

Housekeeping for tapedeck cassettes (the JSON files your tests record tool calls and HTTP into).

Commands:
  check [path...]     validate every cassette: schema, version, hashes, secrets, tool signatures
  list [path...]      list cassettes: entries, size, recorded date, tools
                      (--drift: recorded in another environment; --usage: LLM tokens per model)
  diff <a> <b>        diff two cassettes as conversations (--all: ids and chunking too)
  prune [path...]     drop the entries the last test run reported unused (--dry-run to preview)
  show <path...>      print cassettes as conversations (-t name, --json, --textconv for git diff)
  report [path...]    write an HTML page of the cassettes' transcripts (--out report.html)

Run \`tapedeck <command> --help\` for a command's options and output.

Options:
  -h, --help     show this help
  -v, --version  print tapedeck's version

Exit codes:
  0  success (check: no problems; diff: same cassettes)
  1  check found problems; diff found differences; prune could not write a file
  2  usage error (unknown command or option, a path that does not exist)
  70 internal error (an unexpected exception; its stack is printed)

Colours are used on a terminal only; NO_COLOR=1 turns them off, FORCE_COLOR=1 forces them.
`;

const COMMANDS: Record<string, (args: readonly string[], io: CliIO) => Promise<number>> = {
  check: runCheck,
  list: runList,
  diff: runDiff,
  prune: runPrune,
  show: runShow,
  report: runReport,
};

/** Runs the `tapedeck` command line `argv` (without `node` and the script) and returns the exit code. */
export async function runCli(argv: readonly string[], rawIO: CliIO): Promise<number> {
  // Every line a command prints is masked like tapedeck's error messages (DESIGN section 12): a cassette
  // shown by `diff` or `list` may hold a key the pre-write scan would refuse (a file edited by hand).
  const io: CliIO = { ...rawIO, out: (line) => rawIO.out(maskSecrets(line)), err: (line) => rawIO.err(maskSecrets(line)) };
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') {
    (command === undefined ? io.err : io.out)(MAIN_HELP.trimEnd());
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (command === '-v' || command === '--version') {
    io.out(VERSION);
    return EXIT_OK;
  }
  if (command === 'help') return rest[0] !== undefined && rest[0] in COMMANDS ? runCli([rest[0], '--help'], io) : runCli(['--help'], io);
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  try {
    if (run === undefined) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    return await run(rest, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`tapedeck: ${error.message}`);
    if (error.showUsage) io.err(`Run \`tapedeck ${run === undefined ? '' : `${command} `}--help\` for usage.`);
    return EXIT_USAGE;
  }
}
