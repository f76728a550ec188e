import { ReplayError } from './errors.js';
import { formatPath, type PathSegment } from './json-path.js';

/** What a redacted value is replaced with on disk. */
export const REDACTED = '[REDACTED]';

/** Header and query-parameter names that are always redacted. */
export const DEFAULT_REDACTED_NAMES: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'x-auth-token',
  'x-amz-security-token',
];

// Names that merely contain one of these words are redacted too (`openai-api-key`, `access_token`).
const SECRET_NAME = /(?:key|token|secret|password|passwd|credential)/i;

/** Options for redaction: extra names to redact, or a function that decides. */
export type RedactOption = readonly string[] | ((name: string) => boolean);

/** True when a header or query parameter named `name` must never be written to disk. */
export function isSecretName(name: string, extra?: RedactOption): boolean {
  const lower = name.toLowerCase();
  if (DEFAULT_REDACTED_NAMES.includes(lower) || SECRET_NAME.test(lower)) return true;
  if (typeof extra === 'function') return extra(name);
  return extra?.some((n) => n.toLowerCase() === lower) ?? false;
}

/** Returns a copy of a name -> value record with every secret name's value replaced by {@link REDACTED}. */
export function redactRecord<T>(record: Record<string, T>, extra?: RedactOption): Record<string, T | string> {
  const out: Record<string, T | string> = {};
  for (const [name, value] of Object.entries(record)) {
    out[name] = isSecretName(name, extra) ? (Array.isArray(value) ? (value.map(() => REDACTED) as T) : REDACTED) : value;
  }
  return out;
}

/** Shapes of credentials that must never reach disk, whatever field they hide in. */
const SECRET_PATTERNS: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: 'Anthropic API key', pattern: /sk-ant-[A-Za-z0-9_-]{16,}/ },
  { name: 'OpenAI API key', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/ },
  { name: 'AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})/ },
  { name: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}/ },
  { name: 'Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { name: 'Stripe key', pattern: /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/ },
  { name: 'JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { name: 'bearer token', pattern: /\bBearer\s+(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{12,}/i },
  { name: 'private key', pattern: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/ },
];

// Every string of a cassette is scanned before each write. The case-insensitive union of the patterns
// matches wherever one of them would (each alone matches a subset of it), so one pass rejects the
// ordinary string; only a string it matches is tried pattern by pattern, to name the kind.
const ANY_SECRET = new RegExp(SECRET_PATTERNS.map(({ pattern }) => `(?:${pattern.source})`).join('|'), 'i');

function shapeOf(text: string): string | undefined {
  if (!ANY_SECRET.test(text)) return undefined;
  return SECRET_PATTERNS.find(({ pattern }) => pattern.test(text))?.name;
}

// Text that holds JSON or a URL glues a key to an escape before it (`"line\nsk-…"` in an SSE event,
// `%20sk-…` in a path), where the patterns' word boundary fails: such text is scanned with escapes blanked.
const ESCAPE = /\\(?:u[0-9a-fA-F]{4}|.)|%[0-9A-Fa-f]{2}/g;

/** A string that looks like a credential, and where it is. */
export interface SecretFinding {
  jsonPath: string;
  kind: string;
}

/** Finds every string (object keys included) in a JSON value that looks like an API key or token. */
export function findSecrets(value: unknown, root = '$'): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const path: PathSegment[] = [];
  const keyKinds = new Map<string, string | undefined>();
  const kindOf = (text: string): string | undefined => {
    const kind = shapeOf(text);
    if (kind !== undefined || !/[\\%]/.test(text)) return kind;
    return shapeOf(text.replace(ESCAPE, ' '));
  };
  const report = (kind: string | undefined): void => {
    if (kind !== undefined) findings.push({ jsonPath: formatPath(path, root), kind });
  };
  const walk = (v: unknown): void => {
    if (typeof v === 'string') report(kindOf(v));
    else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        walk(v[i]);
        path.pop();
      }
    } else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        const item = (v as Record<string, unknown>)[k];
        // A key that is itself a credential shows as a placeholder: paths are printed, and logs are kept.
        // Keys repeat across entries (role, content, ...): each distinct one is scanned once.
        let keyKind = keyKinds.get(k);
        if (keyKind === undefined && !keyKinds.has(k)) keyKinds.set(k, (keyKind = kindOf(k)));
        path.push(keyKind === undefined ? k : REDACTED);
        report(keyKind);
        // A binary body is stored as base64: its bytes are scanned, not their encoding.
        if (k === 'base64' && typeof item === 'string') report(kindOf(Buffer.from(item, 'base64').toString('latin1')));
        else walk(item);
        path.pop();
      }
    }
  };
  walk(value);
  return findings;
}

/** Throws `secret-detected` (naming the file and every JSON path) when `value` holds a credential. */
export function assertNoSecrets(value: unknown, cassettePath: string): void {
  const findings = findSecrets(value);
  if (findings.length === 0) return;
  const lines = findings.slice(0, 10).map((f) => `    ${f.jsonPath}: looks like ${f.kind}`);
  if (findings.length > 10) lines.push(`    … and ${findings.length - 10} more`);
  throw new ReplayError(
    'secret-detected',
    `tapedeck: refusing to write ${cassettePath}: it would contain ${findings.length === 1 ? 'a secret' : `${findings.length} secrets`}.\n` +
      `${lines.join('\n')}\n` +
      `  Nothing was written. fix: redact the field (configure({ redact: [...] }) for headers and query parameters, ` +
      `normalize() for tool args and outputs), or stop the code under test from echoing credentials.`,
    { cassettePath, jsonPath: findings[0]!.jsonPath },
  );
}
