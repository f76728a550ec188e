import { describe, expect, it } from 'vitest';
import { findSecrets, isCredentialName, maskSecrets, secretKind } from '../../src/secrets/index.js';
import { maySecret } from '../../src/secrets/scan.js';
import { corpus, ordinary } from './corpus.js';

const keys = corpus(1);
const percentAll = (text: string): string => [...text].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('');

/** The ways a key travels: each must be found by the scan and masked in a message. */
const encodings: Array<[string, (value: string) => string]> = [
  ['as is', (v) => v],
  ['in a sentence', (v) => `the key is ${v}, keep it safe`],
  ['glued after _', (v) => `MY_CONFIG_${v}`],
  ['glued after a digit', (v) => `v2${v}`],
  ['base64', (v) => Buffer.from(v).toString('base64')],
  ['base64url inside text', (v) => `blob=${Buffer.from(`{"key":"${v}"}`).toString('base64url')};`],
  ['- as %2D', (v) => v.replace(/-/g, '%2D').replace(/^(.)/, (c) => (v.includes('-') ? c : percentAll(c)))],
  ['wholly percent-encoded', (v) => percentAll(v)],
  ['twice percent-encoded', (v) => encodeURIComponent(percentAll(v))],
  ['JSON in JSON after a newline (\\\\nsk-)', (v) => JSON.stringify(JSON.stringify({ delta: `line\n${v}` }))],
  ['JSON string escapes around it', (v) => JSON.stringify({ text: `"${v}"\t` })],
];

describe('key shapes (a generated corpus of fake keys, never real ones)', () => {
  it('the corpus covers every shape the issue names', () => {
    expect(keys.map((k) => k.kind)).toEqual(
      expect.arrayContaining(['Hugging Face', 'Groq', 'xAI', 'Perplexity', 'Replicate', 'GitLab', 'npm', 'SendGrid', 'Stripe webhook secret', 'Google access token', 'Google refresh token', 'AWS secret access key', 'Basic authorization', 'Postgres URL', 'PGP private key', 'Slack webhook', 'Discord webhook']),
    );
  });

  for (const key of keys) {
    for (const [how, encode] of encodings) {
      it(`finds ${key.kind} ${how}, and masks it in a message`, () => {
        const text = encode(key.value);
        expect(maySecret(text), 'the cheap gate lets it through').toBe(true);
        expect(secretKind(text)).toBeDefined();
        expect(findSecrets({ entries: [{ deep: [text] }] }).map((f) => f.jsonPath)).toEqual(['$.entries[0].deep[0]']);
        const message = maskSecrets(`tapedeck: cassette-miss:\n  args: ${JSON.stringify([{ q: text }])}\n    [0].q: "x" -> ${JSON.stringify(text)}`);
        expect(message).not.toContain(key.needle);
        expect(message).not.toContain(text);
      });
    }
  }

  it('a key split across the events of a stream is found in the stream', () => {
    for (const key of keys.filter((k) => k.needle === k.value)) {
      const cut = 5; // neither piece is a key on its own
      const sse = [key.value.slice(0, cut), key.value.slice(cut)].map((piece, i) => ({ data: JSON.stringify({ id: 'chatcmpl-1', choices: [{ index: 0, delta: { content: i === 0 ? `Here: ${piece}` : piece } }] }) }));
      expect(findSecrets({ body: { sse } }), key.kind).toEqual([{ jsonPath: '$.body.sse', kind: expect.any(String) }]);
    }
  });

  it.each(ordinary(3).map((o) => [o.kind, o.value]))('does not flag %s', (_kind, value) => {
    expect(findSecrets({ a: value, [value.slice(0, 80)]: 1 })).toEqual([]);
    expect(maskSecrets(`value: ${JSON.stringify(value)}`)).toBe(`value: ${JSON.stringify(value)}`);
  });
});

describe('the credential-name rule (one rule for headers, query, forms, JSON members, tool args)', () => {
  it.each(['api_key', 'apiKey', 'API-KEY', 'x-api-key', 'access_token', 'accessToken', 'refresh_token', 'id_token', 'client_secret', 'clientSecret', 'password', 'db_password', 'passphrase', 'sig', 'X-Amz-Signature', 'X-Amz-Credential', 'x-amz-security-token', 'auth', 'basic_auth', 'authorization', 'cookie', 'token', 'secret', 'private_key', 'secretAccessKey', 'SecretAccessKey', 'webhook_secret', 'credentials'])(
    '%s is a credential',
    (name) => expect(isCredentialName(name)).toBe(true),
  );
  it.each(['keyword', 'pageToken', 'page_token', 'next_token', 'sort_key', 'partition_key', 'idempotency_key', 'tokenizer', 'monkey', 'max_tokens', 'completion_tokens', 'x-ratelimit-remaining-tokens', 'author', 'oauth_provider', 'key_id', 'keys', 'turkey', 'signal', 'signed', 'passenger', 'secretary'])(
    '%s matches by value',
    (name) => expect(isCredentialName(name)).toBe(false),
  );
  it.each(['x-refresh-token', 'x-goog-api-key', 'x-custom-secret', 'x-csrf-token', 'api-key', 'proxy-authorization', 'set-cookie'])('header %s is a credential', (name) => {
    expect(isCredentialName(name, 'header')).toBe(true);
  });
  it.each(['x-ratelimit-remaining-tokens', 'anthropic-ratelimit-tokens-limit', 'content-type', 'x-request-id', 'openai-organization'])('header %s is not', (name) => {
    expect(isCredentialName(name, 'header')).toBe(false);
  });
});
