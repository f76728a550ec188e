// Which names hold credentials (DESIGN sections 11 and 12). One rule for headers, query parameters,
// form fields, JSON members, tool args and outputs, and for masking `name=value` / `"name": value` in
// messages. A name is split into words (camelCase, `-`, `_`, `.`, spaces), and judged by its words,
// never by a substring: `keyword`, `tokenizer`, `monkey` are one word each and are not credentials;
// `pageToken`, `sort_key`, `max_tokens` name data, not secrets. A false positive is the worse error
// here: redaction happens before hashing, so redacting a harmless name merges calls that differ.

import { remembering } from '../memo.js';

/** What a redacted value is replaced with on disk. */
export const REDACTED = '[REDACTED]';

/** True for what tapedeck itself put in place of a secret: redaction's `[REDACTED]`, masking's `[masked: …]`. */
export function isPlaceholder(value: string): boolean {
  return value === REDACTED || value.startsWith('[masked: ');
}

/** Options for redaction: extra names to redact, or a function that decides. */
export type RedactOption = readonly string[] | ((name: string) => boolean);

/** Where a name occurs: header names follow a looser convention (`x-*-token` is always a credential). */
export type NamePlace = 'header' | 'member';

/** Header names redacted by default (DESIGN section 12), besides the word rule below. */
export const DEFAULT_REDACTED_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'x-amz-security-token',
];

// A name whose last word is one of these is a credential, whatever comes before it:
// `client_secret`, `db_password`, `x-client-secret`, `apiKey` (words: api, key -> see KEY_OWNERS).
const ALWAYS = new Set(['password', 'passwd', 'passphrase', 'secret', 'secrets', 'apikey', 'authorization', 'cookie', 'cookies', 'credential', 'credentials', 'sig', 'signature', 'auth']);

// `token` / `key` name a credential only with an owner word before them (or alone, for `token`).
// Pagination, sorting and partition names (`pageToken`, `next_token`, `sort_key`, `partition_key`,
// `idempotency_key`) are data: they must keep matching by value.
const TOKEN_OWNERS = new Set([
  'access',
  'refresh',
  'id',
  'auth',
  'bearer',
  'session',
  'security',
  'api',
  'oauth',
  'private',
  'personal',
  'client',
  'app',
  'bot',
  'csrf',
  'xsrf',
  'service',
  'account',
  'secret',
  'github',
  'gitlab',
  'slack',
  'npm',
  'hf',
  'jwt',
  'sas',
  'upload',
  'webhook',
]);
const KEY_OWNERS = new Set(['api', 'access', 'secret', 'private', 'signing', 'encryption', 'client', 'subscription', 'master', 'license', 'account', 'service', 'app', 'auth', 'developer', 'goog', 'openai', 'anthropic']);

// Whole names that are credentials although their last word says nothing of it (signed URLs carry the
// access key id in `X-Amz-Credential`; PKCE's verifier is the secret half of the code challenge).
const EXACT = new Set(['x_amz_credential', 'x_goog_credential', 'code_verifier', 'private_key_id', 'jsessionid', 'phpsessid']);

/** Splits a name into lower-case words: `X-Amz-Signature` -> x, amz, signature; `apiKey` -> api, key. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

const verdicts: Record<NamePlace, (name: string) => boolean> = {
  member: remembering((name) => judgeName(name, 'member')),
  header: remembering((name) => judgeName(name, 'header')),
};

/** True when a name, by the word rule alone, holds a credential. */
export function isCredentialName(name: string, place: NamePlace = 'member'): boolean {
  return verdicts[place](name);
}

function judgeName(name: string, place: NamePlace): boolean {
  const lower = name.toLowerCase();
  if (place === 'header' && DEFAULT_REDACTED_HEADERS.includes(lower)) return true;
  const words = nameWords(name);
  const last = words.at(-1);
  if (last === undefined) return false;
  if (EXACT.has(words.join('_'))) return true;
  if (ALWAYS.has(last)) return true;
  const owner = words.at(-2);
  if (last === 'token') return words.length === 1 || place === 'header' || (owner !== undefined && TOKEN_OWNERS.has(owner));
  if (last === 'key') return owner !== undefined && KEY_OWNERS.has(owner);
  // `x-amz-security-token` style names are handled above; `apikey`, `accesstoken` written as one word:
  return /^(?:access|refresh|id|auth|bearer|session|api)token$|^(?:api|access|secret|private)key$/.test(last);
}

/** True when a value under `name` must never be written to disk: the word rule, or the user's `redact`. */
export function isSecretName(name: string, extra?: RedactOption, place: NamePlace = 'member'): boolean {
  if (isCredentialName(name, place)) return true;
  if (typeof extra === 'function') return extra(name);
  const lower = name.toLowerCase();
  return extra?.some((n) => n.toLowerCase() === lower) ?? false;
}
