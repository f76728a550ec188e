import { createHash } from 'node:crypto';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { remembering } from './memo.js';

/** Where a test's cassette goes (DESIGN section 7). */
export interface CassetteLocation {
  /** Absolute path of the test file. */
  testFile: string;
  /** The test's name path: enclosing describe blocks, then the test itself. */
  testPath: readonly string[];
  /** Folder for cassettes, relative to the test file's folder or absolute. Default `__cassettes__`. */
  cassetteDir?: string;
}

/** Joins describe and test names the way cassette file names show them. */
export const NAME_SEPARATOR = ' › ';

const MAX_NAME_BYTES = 150;
// Characters no file system accepts in a name, or that some reject: Windows' reserved set and controls.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[<>:"/\\|?*\u0000-\u001f\u007f]/g;
const RESERVED = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(?:\.|$)/i;
const HASH_SUFFIX = / ~[0-9a-f]{8}$/;

/**
 * `<dir of test>/__cassettes__/<test file name>/<describe › test>.json`, with names made safe for
 * Windows, macOS and Linux. A name that had to change (unsafe characters, reserved, a leading dot, too
 * long, empty) or that is not its own case fold (case-insensitive file systems would merge `Test` and
 * `test`, `ſ` and `s`, `ς` and `σ`) gets a short hash of the original, so two tests never share a file,
 * and the same test always gets the same one.
 */
export function cassettePathFor({ testFile, testPath, cassetteDir = '__cassettes__' }: CassetteLocation): string {
  const folder = testFileFolder(testFile, cassetteDir);
  const joined = testPath.join(NAME_SEPARATOR);
  // A name that holds the separator reads like a describe path (`a › b` vs `a` > `b`): tell them apart.
  // An empty name is shown as `unnamed test` but hashed as what it is, so a test named `unnamed test`
  // keeps a file of its own.
  const identity = joined === '' || testPath.some((n) => n.includes(NAME_SEPARATOR)) ? JSON.stringify(testPath) : joined;
  const path = join(folder, `${safeFileName(joined === '' ? 'unnamed test' : joined, identity)}.json`);
  if (!resolve(path).startsWith(resolve(folder) + sep)) {
    throw new Error(`tapedeck: refusing cassette path ${path}: it escapes ${folder}`);
  }
  return path;
}

/** `<dir of test>/__cassettes__/<test file name>`: the folder of one test file's cassettes. */
function testFileFolder(testFile: string, cassetteDir: string): string {
  return folderOf(JSON.stringify([cassetteDir, testFile]));
}

// Every test of a file asks for the same folder. The key is JSON: a hostile name can hold any character.
const folderOf = remembering((key) => {
  const [cassetteDir, testFile] = JSON.parse(key) as [string, string];
  const root = isAbsolute(cassetteDir) ? cassetteDir : join(dirname(testFile), cassetteDir);
  return join(root, safeFileName(basename(testFile)));
}, 1000);

/**
 * The cassette of a test file's own calls, made outside any test (module top level, `beforeAll`,
 * `afterAll`; DESIGN section 10): `<dir of test>/__cassettes__/<test file name>.json`, beside the folder of
 * that file's test cassettes rather than inside it. No test can take it: every test's cassette is inside
 * the `<test file name>/` folder, and a test file named `<x>.json` (the only one whose folder could be
 * this name) is not a test file any runner runs. It is not a dot-file either, so it is never mistaken for
 * tapedeck's own notes (see {@link isTapedeckFile}) and `tapedeck check` / `list` / `prune` see it.
 */
export function fileCassettePathFor(testFile: string, cassetteDir = '__cassettes__'): string {
  return `${testFileFolder(testFile, cassetteDir)}.json`;
}

/**
 * True for the files tapedeck writes beside cassettes that are not cassettes: the unused-entries note,
 * temp files and locks. They all start with `.`, and no cassette name does (a test's leading dot becomes
 * `_`), so the two can never collide; among `.json` files only the unused-entries note is one of them.
 */
export function isTapedeckFile(name: string): boolean {
  return name === UNUSED_RECORD_FILE || (name.startsWith('.') && /\.(?:tmp|lock|reap)$/.test(name));
}

/**
 * Name of the file, beside the cassettes of one folder, that says which of their entries the last run
 * did not replay. `tapedeck prune` reads it; the lifecycle keeps it current (src/unused-record.ts). It is a
 * local run artifact (like a coverage report): it belongs in `.gitignore`. A dot-file, so no test's name.
 */
export const UNUSED_RECORD_FILE = '.tapedeck-unused.json';

/**
 * True when no other name folds to the same string on a case-insensitive file system: the name is its
 * own lower case, and its own lower case after upper-casing. The second test is what full Unicode case
 * folding adds to `toLowerCase`: `ſ`, `ς`, `ϕ`, `ϵ`, `ı`, `ß` and the Kelvin sign are their own lower
 * case but fold to `s`, `σ`, `φ`, `ε`, `i`, `ss`, `k`. Over every code point, no two distinct strings that
 * pass this fold together (checked against Python's `str.casefold`), so at most one name of each
 * case-insensitive class is written without a hash.
 */
function isOwnCaseFold(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === name && lower.toUpperCase().toLowerCase() === name;
}

/**
 * Makes one path segment safe on every OS, keeping it readable and unique (see {@link cassettePathFor}).
 * `identity` (default: `name`) is what the hash suffix is taken from, when one is needed.
 */
export function safeFileName(name: string, identity = name): string {
  // A leading dot would hide the file, and dot-files are tapedeck's own (see isTapedeckFile).
  let safe = name.normalize('NFC').replace(UNSAFE, '_').replace(/[. ]+$/, '').replace(/^ +/, '').replace(/^\./, '_');
  if (safe === '' || safe === '_.') safe = '_';
  if (RESERVED.test(safe)) safe = `_${safe}`;
  const truncated = truncateUtf8(safe, MAX_NAME_BYTES);
  // A name that already ends like a hash suffix could be another name's safe form: it gets its own.
  if (truncated === name && isOwnCaseFold(name) && identity === name && !HASH_SUFFIX.test(name)) return name;
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 8);
  return `${truncated} ~${hash}`;
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > maxBytes) break;
    out += ch;
    bytes += size;
  }
  return out.replace(/[. ]+$/, '');
}
