// The refusal of the pre-write scan: `secret-detected`, naming the file, every JSON path, and the fix.
import { ReplayError } from '../errors.js';
import { findSecrets, withArticle } from './scan.js';

/** Throws `secret-detected` (naming the file and every JSON path) when `value` holds a credential. */
export function assertNoSecrets(value: unknown, cassettePath: string): void {
  const findings = findSecrets(value);
  if (findings.length === 0) return;
  const lines = findings.slice(0, 10).map((f) => `    ${f.jsonPath}: looks like ${withArticle(f.kind)}`);
  if (findings.length > 10) lines.push(`    … and ${findings.length - 10} more`);
  throw new ReplayError(
    'secret-detected',
    `tapedeck: refusing to write ${cassettePath}: it would contain ${findings.length === 1 ? 'a secret' : `${findings.length} secrets`}.\n` +
      `${lines.join('\n')}\n` +
      `  Nothing was written. fix: scrub it before it is stored: the \`scrub\` option (configure({ scrub }), ` +
      `withCassette({ scrub }) or tool(id, fn, { scrub })) rewrites a tool's output or a response before it is stored; ` +
      `\`redact\` names more headers, query parameters and body members; normalize() maps a tool's args. ` +
      `Or stop the code under test from echoing credentials.`,
    { cassettePath, jsonPath: findings[0]!.jsonPath },
  );
}
