// The shapes of credentials that must never reach disk or a log, whatever field they hide in.
//
// The catalogue is secretlint's recommended preset (`@secretlint/secretlint-rule-preset-recommend`),
// ported rule by rule (each entry names the rule it mirrors), plus tapedeck's own LLM-provider shapes.
// secretlint itself is not called at run time: over a whole cassette it costs 4-8x a plain write at
// 10,000 entries (bench numbers in the README), its rules are async and ESM-only (a CJS build under jest
// cannot load them), and recent releases need Node 22. What keeps this list maintained is
// test/secrets/catalogue.test.ts: it runs the preset's own rules (a dev dependency) over the corpus and
// fails when the preset gains a rule this file does not mirror, or flags a key this file does not.
//
// Prefixes use `(?<![A-Za-z])` rather than `\b`, so a key glued after `_` or a digit (`MY_sk-…`) is found,
// as secretlint does with `(?<!\p{L})`.

/** One credential shape. */
export interface SecretShape {
  /** What the key is, as printed in `secret-detected` (`looks like an OpenAI API key`). */
  kind: string;
  pattern: RegExp;
  /** A second look at a match, for shapes whose pattern alone also matches prose. */
  verify?: (match: RegExpExecArray) => boolean;
  /** The secretlint rule this mirrors, or `tapedeck` for a shape of tapedeck's own. */
  from: string;
}

const B = '(?<![A-Za-z])';
const END = '(?![A-Za-z0-9_-])';
const re = (source: string, flags = ''): RegExp => new RegExp(source, flags);

const printable = (text: string): boolean => /^[\x20-\x7e]+$/.test(text);

/** The catalogue, most specific first (the first match names the kind). */
export const SECRET_SHAPES: readonly SecretShape[] = [
  { kind: 'Anthropic API key', pattern: re(`${B}sk-ant-[A-Za-z0-9_-]{16,}`), from: '@secretlint/secretlint-rule-anthropic' },
  { kind: 'OpenAI API key', pattern: re(`${B}sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}`), from: '@secretlint/secretlint-rule-openai' },
  { kind: 'Groq API key', pattern: re(`${B}gsk_[A-Za-z0-9]{40,}`), from: '@secretlint/secretlint-rule-groq' },
  { kind: 'Hugging Face token', pattern: re(`${B}hf_[A-Za-z0-9]{30,}`), from: '@secretlint/secretlint-rule-huggingface' },
  { kind: 'xAI API key', pattern: re(`${B}xai-[A-Za-z0-9]{40,}`), from: 'tapedeck' },
  { kind: 'Perplexity API key', pattern: re(`${B}pplx-[A-Za-z0-9]{40,}`), from: 'tapedeck' },
  { kind: 'Replicate API token', pattern: re(`${B}r8_[A-Za-z0-9]{30,}`), from: 'tapedeck' },
  { kind: 'Google API key', pattern: re(`${B}AIza[0-9A-Za-z_-]{35}`), from: 'tapedeck' },
  { kind: 'Google OAuth access token', pattern: re(`${B}ya29\\.[0-9A-Za-z_-]{20,}`), from: 'tapedeck' },
  { kind: 'Google OAuth refresh token', pattern: re(`${B}1//0[0-9A-Za-z_-]{30,}`), from: 'tapedeck' },
  { kind: 'AWS access key id', pattern: re(`(?<![A-Z])(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])`), from: '@secretlint/secretlint-rule-aws' },
  {
    kind: 'AWS secret access key',
    pattern: re(`(?:aws)?_?secret_?access_?key["']?\\s*(?::|=>|=)\\s*["']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])`, 'i'),
    from: '@secretlint/secretlint-rule-aws',
  },
  { kind: 'AWS signed URL', pattern: re(`X-Amz-Signature=[0-9a-fA-F]{64}`), from: 'tapedeck' },
  { kind: 'GitHub token', pattern: re(`${B}(?:gh[pousr]_[A-Za-z0-9_]{30,}|github_pat_[A-Za-z0-9_]{40,})`), from: '@secretlint/secretlint-rule-github' },
  { kind: 'GitLab token', pattern: re(`${B}glpat-[A-Za-z0-9_-]{20,}`), from: '@secretlint/secretlint-rule-gitlab' },
  { kind: 'npm token', pattern: re(`${B}npm_[A-Za-z0-9]{36}`), from: '@secretlint/secretlint-rule-npm' },
  { kind: 'npm auth token', pattern: re(`_authToken=(?!\\[REDACTED\\])[^\\s$][^\\s]*`), from: '@secretlint/secretlint-rule-npm' },
  { kind: 'Slack token', pattern: re(`${B}(?:xox[abposre]|xapp)-(?:\\d-)?(?:[A-Za-z0-9]{1,40}-)+[A-Za-z0-9]{1,40}`), from: '@secretlint/secretlint-rule-slack' },
  { kind: 'Slack webhook URL', pattern: re(`hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]{20,}`), from: '@secretlint/secretlint-rule-slack' },
  { kind: 'Discord webhook URL', pattern: re(`discord(?:app)?\\.com/api/webhooks/\\d+/[A-Za-z0-9_-]{20,}`), from: 'tapedeck' },
  { kind: 'Telegram bot token', pattern: re(`(?<![0-9])[0-9]{6,12}:[A-Za-z0-9_-]{35}${END}`), from: 'tapedeck' },
  { kind: 'SendGrid API key', pattern: re(`${B}SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}`), from: '@secretlint/secretlint-rule-sendgrid' },
  // secretlint 13.1 and later (Node 22): Stripe, Cloudflare, Tailscale.
  { kind: 'Stripe key', pattern: re(`${B}(?:[rs]k_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9+/=]{24,})`), from: '@secretlint/secretlint-rule-stripe' },
  { kind: 'Cloudflare token', pattern: re(`${B}(?:cfk|cfut|cfat)_[A-Za-z0-9]{40}[0-9a-f]{8}`), from: '@secretlint/secretlint-rule-cloudflare' },
  { kind: 'Tailscale key', pattern: re(`${B}tskey-[a-z]{2,20}-[0-9A-Za-z_]{8,40}-[0-9A-Za-z_]{16,60}`), from: '@secretlint/secretlint-rule-tailscale' },
  { kind: 'Shopify token', pattern: re(`${B}(?:shppa|shpca|shpat|shpss)_[a-fA-F0-9]{32,64}`), from: '@secretlint/secretlint-rule-shopify' },
  { kind: 'Linear API key', pattern: re(`${B}lin_api_[A-Za-z0-9_]{32,128}`), from: '@secretlint/secretlint-rule-linear' },
  { kind: 'Notion token', pattern: re(`${B}ntn_[0-9]{11}[A-Za-z0-9]{35}`), from: '@secretlint/secretlint-rule-notion' },
  { kind: 'Grafana token', pattern: re(`${B}(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})`), from: '@secretlint/secretlint-rule-grafana' },
  { kind: '1Password service account token', pattern: re(`${B}ops_ey[A-Za-z0-9+/=]{100,}`), from: '@secretlint/secretlint-rule-1password' },
  { kind: 'HashiCorp Vault token', pattern: re(`${B}hv[sbr]\\.[A-Za-z0-9_-]{90,300}`), from: '@secretlint/secretlint-rule-hashicorp-vault' },
  { kind: 'Vercel token', pattern: re(`${B}vc[pciark]_[A-Za-z0-9]{20,60}`), from: '@secretlint/secretlint-rule-vercel' },
  { kind: 'Databricks token', pattern: re(`${B}dapi[A-Fa-f0-9]{32}`), from: '@secretlint/secretlint-rule-databricks' },
  { kind: 'Docker token', pattern: re(`${B}dckr_pat_[A-Za-z0-9_-]{27}`), from: '@secretlint/secretlint-rule-docker' },
  { kind: 'Figma token', pattern: re(`${B}figd_[A-Za-z0-9_-]{40,200}`), from: '@secretlint/secretlint-rule-figma' },
  {
    kind: 'private key',
    // The whole block, so a message masks the key and not only its header.
    pattern: re(`-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----[\\s\\S]*?(?:-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|$)`),
    from: '@secretlint/secretlint-rule-privatekey',
  },
  {
    // postgres://, mysql://, mongodb+srv://, redis://, amqp://, https:// ... with a password in the URL.
    kind: 'URL with a password',
    pattern: re(`[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\\s:@/?#"'<>]{0,256}:(?!\\[REDACTED\\]@)[^\\s@/?#"'<>]{1,256}@`),
    from: '@secretlint/secretlint-rule-database-connection-string',
  },
  {
    kind: 'Basic authorization',
    pattern: re(`${B}Basic\\s+([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])`),
    // `Basic information`: only base64 of `user:password` is a credential.
    verify: (m) => {
      const decoded = Buffer.from(m[1]!, 'base64').toString('latin1');
      return printable(decoded) && /^[^:]*:./.test(decoded);
    },
    from: '@secretlint/secretlint-rule-basicauth',
  },
  {
    kind: 'bearer token',
    pattern: re(`\\bBearer\\s+(?!\\[REDACTED\\])([A-Za-z0-9._~+/=-]{16,})`, 'i'),
    // `Bearer authentication`: a token has digits or is long; a word is neither.
    verify: (m) => m[1]!.length >= 20 || /\d/.test(m[1]!),
    from: 'tapedeck',
  },
  {
    // A signed JWT is a bearer credential. An unsigned one (`alg: none`, empty signature) is test data.
    kind: 'JSON Web Token',
    pattern: re(`${B}eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}`),
    from: 'tapedeck',
  },
  { kind: 'Azure SAS signature', pattern: re(`[?&]sig=[A-Za-z0-9%+/=]{20,}`), from: 'tapedeck' },
];

/**
 * secretlint rules with nothing to port: they look at whole files of a kind (dotenv, Kubernetes
 * manifests, PKCS#12), at the author's home folder, or at secretlint's own comments.
 */
export const NOT_PORTED: Readonly<Record<string, string>> = {
  '@secretlint/secretlint-rule-no-k8s-kind-secret': 'a Kubernetes manifest file kind, not a value',
  '@secretlint/secretlint-rule-no-homedir': 'home folder paths are not credentials (and tests print them)',
  '@secretlint/secretlint-rule-no-dotenv': 'a file name rule',
  '@secretlint/secretlint-rule-filter-comments': "secretlint's disable comments",
  '@secretlint/secretlint-rule-gcp': 'its key is a private key block in JSON: the private key shape finds it',
};
