/** One step into a JSON value: an object key or an array index. */
export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Formats segments as a JS-style path: `body.messages[0]["content-type"]`; the root is `$`. */
export function formatPath(segments: readonly PathSegment[], root = '$'): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' && root === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  if (root === '') return out === '' ? '$' : out;
  return root + out;
}

/**
 * Parses a user-written path such as `body.metadata.requestId`, `messages[0].id`, `0.city` or
 * `items.*.id` into segments; `*` matches any key or index.
 */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  const re = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\[\*\]|([^.[\]]+)/g;
  for (const match of path.replace(/^\$\.?/, '').matchAll(re)) {
    if (match[1] !== undefined) segments.push(Number(match[1]));
    else if (match[2] !== undefined) segments.push(JSON.parse(match[2]) as string);
    else if (match[3] !== undefined) segments.push(/^\d+$/.test(match[3]) ? Number(match[3]) : match[3]);
    else segments.push('*');
  }
  return segments;
}

/**
 * Returns a copy of a JSON value with the values at `paths` removed (object members deleted, array
 * items kept as `null` so positions stay stable). Paths that do not exist are ignored.
 */
export function omitPaths<T>(value: T, paths: readonly (string | readonly PathSegment[])[]): T {
  if (paths.length === 0) return value;
  let result: unknown = structuredClone(value);
  for (const path of paths) {
    const segments = typeof path === 'string' ? parsePath(path) : path;
    if (segments.length === 0) continue;
    result = omitAt(result, segments, 0);
  }
  return result as T;
}

function omitAt(node: unknown, segments: readonly PathSegment[], depth: number): unknown {
  if (node === null || typeof node !== 'object') return node;
  const segment = segments[depth]!;
  const last = depth === segments.length - 1;
  const container = node as Record<string, unknown> | unknown[];
  const keys = segment === '*' ? Object.keys(container) : [String(segment)];
  for (const key of keys) {
    if (!Object.prototype.hasOwnProperty.call(container, key)) continue;
    if (Array.isArray(container)) {
      const index = Number(key);
      if (last) container[index] = null;
      else container[index] = omitAt(container[index], segments, depth + 1);
    } else if (last) {
      delete container[key];
    } else {
      container[key] = omitAt(container[key], segments, depth + 1);
    }
  }
  return node;
}
