import { isJsonObject } from './hash.js';
import { formatPath, type PathSegment } from './json-path.js';

/** One difference between two JSON values. */
export interface Difference {
  path: string;
  /** `undefined` when the member is absent on that side. */
  expected: unknown;
  actual: unknown;
}

/** Options for {@link diffJson}. */
export interface DiffOptions {
  /** Relative tolerance for numbers: |a - b| <= tolerance * max(|a|, |b|). Default 0 (exact). */
  tolerance?: number;
  /** Stop after this many differences (the result is then a prefix). Default: all. */
  limit?: number;
  /** Root label for paths, e.g. `args` gives `args[0].city`. Default `$`. */
  root?: string;
}

/**
 * Structural diff of two JSON values by JSON path. Numbers compare within a relative tolerance; NaN
 * equals NaN, and `null` equals NaN (JSON cannot hold NaN, so a recorded NaN comes back as null).
 */
export function diffJson(expected: unknown, actual: unknown, options: DiffOptions = {}): Difference[] {
  const out: Difference[] = [];
  const tolerance = options.tolerance ?? 0;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const root = options.root ?? '$';
  const path: PathSegment[] = [];

  const walk = (a: unknown, b: unknown): void => {
    if (out.length >= limit) return;
    if (Object.is(a, b) || a === b) return;
    if (typeof a === 'number' && typeof b === 'number') {
      if (numbersMatch(a, b, tolerance)) return;
    } else if ((a === null && Number.isNaN(b)) || (b === null && Number.isNaN(a))) {
      return;
    } else if (Array.isArray(a) && Array.isArray(b)) {
      const n = Math.max(a.length, b.length);
      for (let i = 0; i < n && out.length < limit; i++) {
        path.push(i);
        if (i >= a.length) push(undefined, b[i]);
        else if (i >= b.length) push(a[i], undefined);
        else walk(a[i], b[i]);
        path.pop();
      }
      return;
    } else if (isJsonObject(a) && isJsonObject(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const key of keys) {
        if (out.length >= limit) return;
        path.push(key);
        const inA = Object.prototype.hasOwnProperty.call(a, key);
        const inB = Object.prototype.hasOwnProperty.call(b, key);
        if (!inA) push(undefined, b[key]);
        else if (!inB) push(a[key], undefined);
        else walk(a[key], b[key]);
        path.pop();
      }
      return;
    }
    push(a, b);
  };
  const push = (a: unknown, b: unknown): void => {
    out.push({ path: formatPath(path, root), expected: a, actual: b });
  };

  walk(expected, actual);
  return out;
}

function numbersMatch(a: number, b: number, tolerance: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
}

/** Renders a difference as one line: `path: expected -> actual` (absent sides shown as `(absent)`). */
export function formatDifference(d: Difference, maxValueLength = 80): string {
  return `${d.path}: ${preview(d.expected, maxValueLength)} -> ${preview(d.actual, maxValueLength)}`;
}

/** A short, single-line JSON preview of a value. */
export function preview(value: unknown, max = 80): string {
  if (value === undefined) return '(absent)';
  let text: string;
  try {
    text = typeof value === 'number' && !Number.isFinite(value) ? String(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
