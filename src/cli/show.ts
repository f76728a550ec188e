import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { stableStringify } from '../store.js';
import { mask } from '../transcript/mask.js';
import type { Transcript } from '../transcript/model.js';
import { readTranscript } from '../transcript/read.js';
import { renderTranscript } from '../transcript/text.js';
import { findCassettes } from './find.js';
import { EXIT_OK, EXIT_PROBLEMS, paint, parseCommand, type CliIO } from './io.js';
import { loadCassettes, type LoadedCassette } from './list.js';

export const SHOW_HELP = `Usage: tapedeck show [options] <cassette|folder>...

Prints cassettes as conversations, in recorded order: each LLM exchange as its messages (system, user,
assistant text, tool calls with their arguments, tool results), streamed answers reassembled; tool() and
MCP calls with their args and results; errors; per exchange the model, tokens in/out and, for a stream,
its recorded duration. Other HTTP shows as method, URL, status and a short body. Messages an exchange
repeats from the one before are counted, not shown again (--full shows them). Credentials are masked.

Options:
  -t, --test <name>  only the cassettes whose test name contains <name>
  --full             show every request message, repeated history included
  --plain            no colours and no recorded timings (they change on every recording)
  --textconv         --plain without the file and test name: the git diff driver (see the README)
  --json             print the transcripts as JSON (the same model, for scripts)
  -h, --help         show this help

Exit codes:
  0  printed
  1  a cassette is not valid, or no cassette matches --test
  2  usage error (unknown option, a path that does not exist)
`;

/** The transcripts of the cassettes under `targets` (all of them, or those whose test name has `test`). */
export async function loadTranscripts(io: CliIO, targets: readonly string[], test?: string): Promise<{ transcripts: Transcript[]; invalid: Array<Extract<LoadedCassette, { error: string }>> }> {
  const loaded = await loadCassettes(await findCassettes(io, targets));
  const transcripts: Transcript[] = [];
  const invalid: Array<Extract<LoadedCassette, { error: string }>> = [];
  for (const cassette of loaded) {
    if (cassette.file === undefined) invalid.push(cassette);
    else {
      const transcript = readTranscript(cassette.file, cassette.path);
      if (test === undefined || transcript.test.includes(test)) transcripts.push(transcript);
    }
  }
  return { transcripts, invalid };
}

/** `tapedeck show`: see {@link SHOW_HELP}. */
export async function runShow(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    test: { type: 'string', short: 't' },
    json: { type: 'boolean' },
    plain: { type: 'boolean' },
    full: { type: 'boolean' },
    textconv: { type: 'boolean' },
  });
  if (values.help === true) {
    io.out(SHOW_HELP.trimEnd());
    return EXIT_OK;
  }
  const { transcripts, invalid } = await loadTranscripts(io, positionals, values.test);
  if (values.textconv === true && invalid.length > 0) {
    // git shows nothing at all when a textconv command fails: say why in the diff, then the file as it is.
    for (const bad of invalid) {
      io.out(mask(`tapedeck: not a valid cassette (${bad.error}); its text follows`));
      for (const line of (await readFile(resolve(io.cwd, bad.path), 'utf8')).split('\n')) io.out(mask(line));
    }
    return EXIT_OK;
  }
  for (const bad of invalid) io.err(mask(`tapedeck: ${bad.path}: ${bad.error} (\`tapedeck check ${bad.path}\` lists every problem)`));
  if (values.json === true) io.out(mask(stableStringify(transcripts).trimEnd()));
  else {
    const plain = values.plain === true || values.textconv === true;
    const p = paint({ color: io.color && !plain });
    transcripts.forEach((transcript, i) => {
      if (i > 0) io.out('');
      for (const line of renderTranscript(transcript, p, { plain, full: values.full === true, anonymous: values.textconv === true })) io.out(line);
    });
  }
  if (transcripts.length === 0 && invalid.length === 0) {
    io.err(values.test !== undefined ? `tapedeck: no cassette's test name contains ${JSON.stringify(values.test)}` : 'tapedeck: no cassettes found');
    return EXIT_PROBLEMS;
  }
  return invalid.length > 0 ? EXIT_PROBLEMS : EXIT_OK;
}
