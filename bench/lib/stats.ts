// Small statistics and timing helpers shared by the bench sections.
import { performance } from 'node:perf_hooks';

/** Summary of a set of timings (same unit as the samples). */
export interface Summary {
  n: number;
  median: number;
  p95: number;
  min: number;
}

/** The value at quantile `q` (0..1) of sorted samples, nearest-rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Median, p95 and min of samples. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), min: sorted[0] ?? Number.NaN };
}

/** Median of a few numbers. */
export function median(values: readonly number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

/** Microseconds since `start` (a `performance.now()` value). */
export function usSince(start: number): number {
  return (performance.now() - start) * 1000;
}

/**
 * Times `fn` in batches of `batch` calls and returns µs per call for each batch: single calls of a few
 * microseconds are below the timer's resolution, a batch is not.
 */
export function timeBatches(fn: () => unknown, batches: number, batch: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) fn();
    out.push(usSince(start) / batch);
  }
  return out;
}

/** Same as {@link timeBatches} for async work. */
export async function timeBatchesAsync(fn: () => Promise<unknown>, batches: number, batch: number): Promise<number[]> {
  const out: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) await fn();
    out.push(usSince(start) / batch);
  }
  return out;
}

/** A deterministic pseudo-random generator, so every run measures the same data in the same order. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A deterministic shuffle of `0..n-1`. */
export function shuffled(n: number, seed = 42): number[] {
  const rand = rng(seed);
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Which arm the `i`-th of a run of interleaved trials belongs to, in A B B A order (false = A, true = B):
 * each arm as often as the other, and neither always first, so a drift of the machine favours neither.
 */
export function abbaArm(i: number): boolean {
  return i % 4 === 1 || i % 4 === 2;
}
