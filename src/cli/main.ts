#!/usr/bin/env node
// The `tapedeck` bin. Like src/mode.ts, this is an edge: the only CLI file that reads the process's
// environment, TTY state and arguments; everything below it receives them as a CliIO.
import { runCli } from './run.js';

const stdout = process.stdout;
const env = process.env;
const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0';
// https://no-color.org: a non-empty NO_COLOR turns colours off, whatever else is set.
const color = !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') && (forced || stdout.isTTY === true);

// `tapedeck list | head` closes the pipe early: stop quietly instead of crashing with EPIPE.
stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  out: (line) => stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  color,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tapedeck: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 70; // EX_SOFTWARE: a bug in tapedeck, not in the cassettes
  },
);
