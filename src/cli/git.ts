// What git says about the cassettes a report shows: which changed against HEAD, and what HEAD holds.
import { spawnSync } from 'node:child_process';
import { join, relative, sep } from 'node:path';

/** Cassettes that differ from HEAD in a git work tree. */
export interface GitChanges {
  /** The work tree's top folder. */
  root: string;
  /** Absolute path -> `new` (not in HEAD) or `changed`. */
  status: Map<string, 'new' | 'changed'>;
}

function git(cwd: string, args: string[]): { ok: boolean; stdout: string; stderr: string } {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error !== undefined) return { ok: false, stdout: '', stderr: result.error.message };
  return { ok: result.status === 0, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The files that differ from HEAD in the work tree holding `cwd` (staged, unstaged and untracked), or why
 * that cannot be told (git missing, not a work tree, no commit yet).
 */
export function gitChanges(cwd: string): GitChanges | { note: string } {
  const top = git(cwd, ['rev-parse', '--show-toplevel']);
  if (!top.ok) return { note: `Changes against git HEAD are not marked: ${top.stderr.trim().split('\n')[0] || 'git is not available'}.` };
  const root = top.stdout.trim();
  if (!git(root, ['rev-parse', '--verify', '--quiet', 'HEAD']).ok) return { note: 'Changes against git HEAD are not marked: the repository has no commit yet.' };
  // -z: paths verbatim (no quoting of spaces or non-ASCII); a rename is followed by its old path.
  const listed = git(root, ['status', '--porcelain=v1', '-z', '--untracked-files=all']);
  if (!listed.ok) return { note: `Changes against git HEAD are not marked: ${listed.stderr.trim().split('\n')[0]}.` };
  const status = new Map<string, 'new' | 'changed'>();
  const fields = listed.stdout.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field.length < 4) continue;
    const code = field.slice(0, 2);
    const path = join(root, field.slice(3));
    if (code[0] === 'R' || code[0] === 'C') i++; // the old path of a rename or copy
    if (code === '??' || code[0] === 'A') status.set(path, 'new');
    else if (code.includes('D')) continue;
    else status.set(path, 'changed');
  }
  return { root, status };
}

/** The text of `path` (absolute, inside `root`) at HEAD, or `undefined` when HEAD has no such file. */
export function headText(root: string, path: string): string | undefined {
  const rel = relative(root, path).split(sep).join('/');
  const shown = git(root, ['show', `HEAD:./${rel}`]);
  return shown.ok ? shown.stdout : undefined;
}
