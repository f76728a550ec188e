// Section 3 of issue 6: argsHash per call (JSON normalisation + RFC 8785 + SHA-256) against the naive key,
// JSON.stringify + SHA-256, for args of ~200 B, ~2 KB and ~20 KB. Runs in the bench's own process.
import { createHash } from 'node:crypto';
import { argsHash } from '../src/index.js';
import { median, rng, timeBatches } from './lib/stats.js';

export interface HashRow {
  bytes: number;
  /** µs per call, median of batches. */
  argsHashUs: number;
  stringifyShaUs: number;
  ratio: number;
}

/** Realistic args: an HTTP call to a chat-completions API, grown with messages until ~`target` bytes. */
export function chatArgs(target: number, seed = 1): unknown {
  const rand = rng(seed);
  const messages: Array<Record<string, unknown>> = [];
  const args = { query: {}, body: { model: 'gpt-4o-mini', temperature: 0.2, messages, stream: false } };
  const words = ['weather', 'flight', 'budget', 'hotel', 'Paris', 'tomorrow', 'rain', 'sunny', 'price', 'EUR'];
  while (JSON.stringify(args).length < target) {
    const length = 3 + Math.floor(rand() * 12);
    const content = Array.from({ length }, () => words[Math.floor(rand() * words.length)]).join(' ');
    messages.push(messages.length % 3 === 2 ? { role: 'tool', tool_call_id: `call_${messages.length}`, content: JSON.stringify({ content, n: messages.length }) } : { role: messages.length % 3 === 0 ? 'user' : 'assistant', content });
  }
  return args;
}

/** Runs the section; `scale` < 1 shortens it (smoke runs). */
export function hashSection(scale = 1): HashRow[] {
  const rows: HashRow[] = [];
  for (const target of [200, 2_000, 20_000]) {
    const args = chatArgs(target);
    const bytes = JSON.stringify(args).length;
    // About 20 ms per batch, 15 batches per side, alternating so both see the same machine.
    const batch = Math.max(1, Math.round((scale * 20_000) / (target / 100 + 10)));
    const naive = () => createHash('sha256').update(JSON.stringify(args)).digest('hex');
    const ours = () => argsHash(args);
    timeBatches(naive, 3, batch);
    timeBatches(ours, 3, batch);
    const a: number[] = [];
    const b: number[] = [];
    for (let round = 0; round < Math.max(3, Math.round(15 * scale)); round++) {
      a.push(...timeBatches(ours, 1, batch));
      b.push(...timeBatches(naive, 1, batch));
    }
    const argsHashUs = median(a);
    const stringifyShaUs = median(b);
    rows.push({ bytes, argsHashUs, stringifyShaUs, ratio: argsHashUs / stringifyShaUs });
  }
  return rows;
}
