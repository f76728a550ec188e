import { relative, sep } from 'node:path';
import { parseArgs } from 'node:util';

/** Exit codes shared by every command (documented in each `--help`). */
export const EXIT_OK = 0;
/** Problems found (`check`), files differ (`diff`), or a write failed (`prune`). */
export const EXIT_PROBLEMS = 1;
/** Bad usage: unknown command or option, a missing argument, a path that does not exist. */
export const EXIT_USAGE = 2;

/** Where a command writes, and how: injected so commands run in-process in tests. */
export interface CliIO {
  /** Paths are resolved against, and shown relative to, this folder. */
  cwd: string;
  /** Writes one line of results to stdout. */
  out(line: string): void;
  /** Writes one line of diagnostics (warnings, usage errors) to stderr. */
  err(line: string): void;
  /** Use ANSI colours (a TTY, and `NO_COLOR` unset). */
  color: boolean;
}

/** A mistake in how the command was called: reported with a hint and exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  /** `showUsage: false` for trouble with an input file rather than with the command line. */
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
  }
}

/** ANSI styles that become the identity when colours are off. */
export interface Paint {
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

/** Styles for `io` (no escape codes at all when `io.color` is false). */
export function paint(io: Pick<CliIO, 'color'>): Paint {
  const style = (open: number, close: number) => (text: string) => (io.color ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return { red: style(31, 39), green: style(32, 39), yellow: style(33, 39), cyan: style(36, 39), dim: style(2, 22), bold: style(1, 22) };
}

/** How a file is named in output: relative to the working folder, with `/` on every OS (greppable). */
export function displayPath(io: Pick<CliIO, 'cwd'>, absolute: string): string {
  const rel = relative(io.cwd, absolute) || '.';
  return sep === '/' ? rel : rel.split(sep).join('/');
}

/** Compares strings by code unit: the same order on every machine, unlike `localeCompare`. */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A command's options as parsed: string options are strings, boolean options booleans, `help` always. */
export interface ParsedCommand<O extends Options> {
  values: { [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean } & { help?: boolean };
  positionals: string[];
}

type Options = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** `node:util` parseArgs with positionals, strict options and `-h/--help`; mistakes become {@link UsageError}. */
export function parseCommand<O extends Options>(args: readonly string[], options: O): ParsedCommand<O> {
  try {
    const parsed = parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return parsed as ParsedCommand<O>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** `1234` -> `1.2 KB`: sizes for people; `--json` gives bytes. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** `1 cassette`, `2 cassettes`. */
export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

/**
 * The first line of a tapedeck error without its `tapedeck: ` prefix and the file name it starts with
 * (the CLI prints the file itself, first on the line).
 */
export function shortMessage(error: unknown, source?: string): string {
  let line = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(/^tapedeck: /, '');
  // Messages name their reason first; the CLI prints the reason in a column of its own.
  const reason = (error as { reason?: unknown } | null)?.reason;
  if (typeof reason === 'string' && line.startsWith(`${reason}: `)) line = line.slice(reason.length + 2);
  // `<file> is not valid JSON` -> `not valid JSON`: the file is already first on the printed line.
  if (source !== undefined && line.startsWith(source)) line = line.slice(source.length).replace(/^:?\s+(?:is\s+)?/, '');
  return line;
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
