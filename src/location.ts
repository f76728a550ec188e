import { createHash } from 'node:crypto';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';

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
 * Windows, macOS and Linux. A name that had to change (unsafe characters, reserved, too long) or that
 * holds upper case (case-insensitive file systems would merge `Test` and `test`) gets a short hash of the
 * original, so two tests never share a file, and the same test always gets the same one.
 */
export function cassettePathFor({ testFile, testPath, cassetteDir = '__cassettes__' }: CassetteLocation): string {
  const root = isAbsolute(cassetteDir) ? cassetteDir : join(dirname(testFile), cassetteDir);
  const folder = join(root, safeFileName(basename(testFile)));
  const joined = testPath.join(NAME_SEPARATOR) || 'unnamed test';
  // A name that holds the separator reads like a describe path (`a › b` vs `a` > `b`): tell them apart.
  const identity = testPath.some((n) => n.includes(NAME_SEPARATOR)) ? JSON.stringify(testPath) : joined;
  const path = join(folder, `${safeFileName(joined, identity)}.json`);
  if (!resolve(path).startsWith(resolve(folder) + sep)) {
    throw new Error(`tapedeck: refusing cassette path ${path}: it escapes ${folder}`);
  }
  return path;
}

/**
 * Makes one path segment safe on every OS, keeping it readable and unique (see {@link cassettePathFor}).
 * `identity` (default: `name`) is what the hash suffix is taken from, when one is needed.
 */
export function safeFileName(name: string, identity = name): string {
  let safe = name.normalize('NFC').replace(UNSAFE, '_').replace(/[. ]+$/, '').replace(/^ +/, '');
  if (safe === '' || safe === '.' || safe === '..') safe = '_';
  if (RESERVED.test(safe)) safe = `_${safe}`;
  const truncated = truncateUtf8(safe, MAX_NAME_BYTES);
  // A name that already ends like a hash suffix could be another name's safe form: it gets its own.
  if (truncated === name && name === name.toLowerCase() && identity === name && !HASH_SUFFIX.test(name)) return name;
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
