// Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, and the total
// (inclusive) time spent under functions whose name matches a pattern. How the findings in
// bench/results/latest.md were made:
//   node --import tsx bench/run.ts --only=http --profile=tapedeck-1000   (writes bench/results/profiles/)
//   node --import tsx bench/profile.ts bench/results/profiles/<file>.cpuprofile [--under=pattern] [pattern ...]
// `--under` keeps only samples whose stack has a frame matching the pattern (what a function spends on).
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** Self and inclusive time (ms) per function name + file, from a .cpuprofile. */
export function summarizeProfile(profile: Profile, patterns: RegExp[] = [], under?: RegExp): { total: number; self: Array<[string, number]>; inclusive: Array<[string, number]> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfTime = new Map<number, number>();
  profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench|adapters)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  const isUnder = (id: number): boolean => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) if (under!.test(label(byId.get(cur)!))) return true;
    return false;
  };
  for (const [id, ms] of selfTime) {
    if (under !== undefined && !isUnder(id)) continue;
    total += ms;
    const node = byId.get(id)!;
    self.set(label(node), (self.get(label(node)) ?? 0) + ms);
    // Count the sample once per matching pattern on its stack (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!;
      for (const p of patterns) {
        if (!seen.has(p.source) && p.test(label(frame))) {
          seen.add(p.source);
          inclusive.set(p.source, (inclusive.get(p.source) ?? 0) + ms);
        }
      }
    }
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { total, self: sorted(self), inclusive: sorted(inclusive) };
}

if (/[\\/]bench[\\/]profile\.ts$/.test(process.argv[1] ?? '')) {
  const args = process.argv.slice(2);
  const under = args.find((a) => a.startsWith('--under='))?.slice('--under='.length);
  const [file, ...patterns] = args.filter((a) => !a.startsWith('--under='));
  if (file === undefined) throw new Error('usage: node --import tsx bench/profile.ts <file.cpuprofile> [--under=pattern] [pattern ...]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const { total, self, inclusive } = summarizeProfile(profile, patterns.map((p) => new RegExp(p)), under === undefined ? undefined : new RegExp(under));
  console.log(`total sampled${under === undefined ? '' : ` under /${under}/`}: ${total.toFixed(0)} ms`);
  console.log('self time (top 40):');
  for (const [name, ms] of self.slice(0, 40)) console.log(`  ${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${name}`);
  if (inclusive.length > 0) console.log('inclusive:');
  for (const [name, ms] of inclusive) console.log(`  ${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${name}`);
}
