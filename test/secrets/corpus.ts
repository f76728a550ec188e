// FAKE credentials of every shape tapedeck must keep off disk and out of logs, generated at test time
// with the right alphabet and length from a seeded generator (no key-like literal is committed, so no
// push protection or scanner ever sees one in this repo). `value` is how the key travels (`Basic …`, a
// connection string), `needle` the part that must never be written or printed.

/** A small seeded PRNG (mulberry32): the same corpus on every run for the same seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const URLSAFE = `${ALNUM}_-`;
const BASE64 = `${ALNUM}+/`;

export interface FakeKey {
  kind: string;
  value: string;
  needle: string;
}

/** One fake key of every kind, from `seed`. */
export function corpus(seed = 1): FakeKey[] {
  const rand = rng(seed);
  const pick = (alphabet: string, n: number): string => Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]!).join('');
  // At least one digit and one capital, as real keys have: a draw of only small letters could be prose.
  const mixed = (alphabet: string, n: number): string => `${pick(UPPER, 1)}${pick(DIGITS, 1)}${pick(alphabet, n - 2)}`;
  const bare = (kind: string, value: string): FakeKey => ({ kind, value, needle: value });
  const b64url = (text: string): string => Buffer.from(text).toString('base64url');
  const basic = Buffer.from(`svc-${pick(LOWER, 6)}:${mixed(ALNUM, 18)}`).toString('base64');
  const dbPassword = mixed(ALNUM, 20);
  const slack = mixed(ALNUM, 24);
  const discord = mixed(URLSAFE, 68);
  const pgpLine = pick(BASE64, 64);
  const awsSecret = mixed(BASE64, 40);
  const jwt = `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(JSON.stringify({ sub: pick(DIGITS, 8), exp: 2000000000 }))}.${pick(URLSAFE, 43)}`;
  return [
    bare('OpenAI', `sk-proj-${mixed(URLSAFE, 48)}`),
    bare('OpenAI legacy', `sk-${mixed(ALNUM, 48)}`),
    bare('Anthropic', `sk-ant-api03-${mixed(URLSAFE, 93)}AA`),
    bare('Hugging Face', `hf_${mixed(UPPER + LOWER, 34)}`),
    bare('Groq', `gsk_${mixed(ALNUM, 52)}`),
    bare('xAI', `xai-${mixed(ALNUM, 80)}`),
    bare('Perplexity', `pplx-${mixed(ALNUM, 48)}`),
    bare('Replicate', `r8_${mixed(ALNUM, 37)}`),
    bare('GitLab', `glpat-${mixed(URLSAFE, 20)}`),
    bare('npm', `npm_${mixed(ALNUM, 36)}`),
    bare('SendGrid', `SG.${mixed(URLSAFE, 22)}.${mixed(URLSAFE, 43)}`),
    bare('Stripe webhook secret', `whsec_${mixed(ALNUM, 32)}`),
    bare('Stripe secret key', `${'sk'}_live_${mixed(ALNUM, 32)}`),
    bare('Cloudflare token', `cfut_${mixed(ALNUM, 40)}${pick('0123456789abcdef', 8)}`),
    bare('Tailscale key', `tskey-auth-${mixed(ALNUM, 16)}-${mixed(ALNUM, 32)}`),
    bare('Google API key', `AIza${mixed(URLSAFE, 35)}`),
    bare('Google access token', `ya29.${mixed(URLSAFE, 120)}`),
    bare('Google refresh token', `1//0${mixed(URLSAFE, 60)}`),
    bare('AWS access key id', `AKIA${pick(UPPER + DIGITS, 16)}`),
    { kind: 'AWS secret access key', value: `AWS_SECRET_ACCESS_KEY=${awsSecret}`, needle: awsSecret },
    bare('GitHub', `ghp_${mixed(ALNUM, 36)}`),
    bare('Slack token', `xoxb-${pick(DIGITS, 12)}-${pick(DIGITS, 12)}-${mixed(ALNUM, 24)}`),
    { kind: 'Basic authorization', value: `Basic ${basic}`, needle: basic },
    { kind: 'Postgres URL', value: `postgres://app:${dbPassword}@db.internal:5432/app`, needle: dbPassword },
    {
      kind: 'PGP private key',
      value: `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${pgpLine}\n${pick(BASE64, 64)}\n=${pick(BASE64, 4)}\n-----END PGP PRIVATE KEY BLOCK-----`,
      needle: pgpLine,
    },
    { kind: 'Slack webhook', value: `https://hooks.slack.com/services/T${pick(UPPER + DIGITS, 9)}/B${pick(UPPER + DIGITS, 9)}/${slack}`, needle: slack },
    { kind: 'Discord webhook', value: `https://discord.com/api/webhooks/${pick(DIGITS, 18)}/${discord}`, needle: discord },
    bare('Telegram bot token', `${pick(DIGITS, 9)}:AA${mixed(URLSAFE, 33)}`),
    bare('JWT', jwt),
  ];
}

/** An opaque credential with no shape at all: only its name can give it away. */
export function opaque(seed = 2): string {
  const rand = rng(seed);
  return Array.from({ length: 32 }, () => ALNUM[Math.floor(rand() * ALNUM.length)]!).join('');
}

/** Ordinary values that look a little like keys and must still record (the false-positive corpus). */
export function ordinary(seed = 3): Array<{ kind: string; value: string }> {
  const rand = rng(seed);
  const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]!).join('');
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), bytes(3000)]).toString('base64');
  const b64url = (text: string): string => Buffer.from(text).toString('base64url');
  return [
    { kind: 'UUID', value: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}` },
    { kind: 'sha256 hex', value: hex(64) },
    { kind: 'git sha', value: hex(40) },
    { kind: 'base64 PNG', value: `data:image/png;base64,${png}` },
    // An unsigned JWT (alg none, empty signature) is test data, not a credential: documented in the README.
    { kind: 'unsigned JWT', value: `${b64url('{"alg":"none","typ":"JWT"}')}.${b64url('{"sub":"test-user","role":"admin"}')}.` },
    { kind: 'OpenAI ids', value: `chatcmpl-${hex(24)} resp_${hex(40)} call_${hex(24)}` },
    { kind: 'prose', value: 'Bearer authentication and Basic information: ask the task-manager about skills, risk-adjusted returns and the sk- prefix.' },
    { kind: 'URL', value: `https://api.example.com/v1/items/${hex(24)}?page=2&sort_key=rating&pageToken=${hex(32)}` },
    { kind: 'email and time', value: 'ops@example.com at 12:30:45.123456 UTC, build 2026.11.25-rc.1' },
    { kind: 'tokenizer text', value: 'max_tokens=1024, tokenizer=cl100k_base, keyword=monkey, completion_tokens=24' },
  ];
}
