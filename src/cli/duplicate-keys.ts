import { formatPath, type PathSegment } from '../json-path.js';

/** An object member whose key appeared before in the same object. */
export interface DuplicateKey {
  /** JSON path of the member, e.g. `$.entries[2].result`. */
  path: string;
  key: string;
}

/**
 * Finds keys that appear twice in one object of a JSON text. `JSON.parse` silently keeps the last one,
 * so a bad merge or a hand edit can hide a whole `meta` or `result` with no error anywhere else.
 * `text` must already be valid JSON (this scanner does not report syntax errors).
 */
export function findDuplicateKeys(text: string): DuplicateKey[] {
  // One pass over the characters; only keys are materialised as strings.
  const out: DuplicateKey[] = [];
  const path: PathSegment[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const skipSpace = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };
  /** Skips the string starting at `i` (its opening quote); returns its value when `decode`. */
  const readString = (decode: boolean): string => {
    const start = i;
    i++;
    let escaped = false;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x5c) {
        escaped = true;
        i += 2;
      } else if (c === 0x22) {
        i++;
        break;
      } else {
        i++;
      }
    }
    if (!decode) return '';
    const raw = text.slice(start, i);
    return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  };
  const value = (): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      skipSpace();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        skipSpace();
        const key = readString(true);
        skipSpace();
        i++; // ':'
        path.push(key);
        if (seen.has(key)) out.push({ path: formatPath(path), key });
        else seen.add(key);
        value();
        path.pop();
        skipSpace();
        if (text[i++] === '}') return;
      }
    } else if (c === '[') {
      i++;
      skipSpace();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let index = 0; ; index++) {
        path.push(index);
        value();
        path.pop();
        skipSpace();
        if (text[i++] === ']') return;
      }
    } else if (c === '"') {
      readString(false);
    } else {
      // number, true, false, null: runs until a delimiter
      while (i < text.length && !',]} \n\r\t'.includes(text[i]!)) i++;
    }
  };
  value();
  return out;
}
