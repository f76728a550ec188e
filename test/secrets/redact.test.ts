import { describe, expect, it } from 'vitest';
import { REDACTED, assertNoSecrets, findSecrets, isSecretName, redactRecord } from '../../src/secrets/index.js';

describe('redaction', () => {
  it.each(['authorization', 'Proxy-Authorization', 'cookie', 'set-cookie', 'x-api-key', 'api-key', 'openai-api-key', 'access_token', 'client_secret', 'password'])(
    'redacts %s by default',
    (name) => expect(isSecretName(name)).toBe(true),
  );
  it.each(['content-type', 'accept', 'user-agent', 'x-request-id', 'anthropic-version'])('keeps %s', (name) => expect(isSecretName(name)).toBe(false));

  it('takes extra names or a predicate', () => {
    expect(isSecretName('x-tenant', ['X-Tenant'])).toBe(true);
    expect(isSecretName('x-tenant', (n) => n.startsWith('x-t'))).toBe(true);
    expect(redactRecord({ authorization: 'Bearer abc', accept: 'json', cookie: ['a', 'b'] })).toEqual({ authorization: REDACTED, accept: 'json', cookie: [REDACTED, REDACTED] });
  });
});

describe('secret scan', () => {
  const samples: Array<[string, string]> = [
    ['OpenAI', 'sk-abcdefghijklmnopqrstuvwxyz0123456789'],
    ['OpenAI project', 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx_12-34'],
    ['Anthropic', 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz'],
    ['AWS', 'AKIAIOSFODNN7EXAMPLE'],
    ['GitHub', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['Google', 'AIzaSyA-abcdefghijklmnopqrstuvwxyz01234'],
    ['Slack', 'xoxb-123456789012-abcdefghij'],
    ['JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
    ['bearer', 'Bearer abcdef0123456789abcdef'],
  ];
  it.each(samples)('finds a %s credential at any depth and names the path', (_kind, secret) => {
    const findings = findSecrets({ entries: [{ result: { value: { deep: [`text ${secret} text`] } } }] });
    expect(findings.map((f) => f.jsonPath)).toEqual(['$.entries[0].result.value.deep[0]']);
    expect(() => assertNoSecrets({ a: secret }, 'x.json')).toThrowError(expect.objectContaining({ reason: 'secret-detected', jsonPath: '$.a', cassettePath: 'x.json' }));
  });

  it('finds secrets used as object keys', () => {
    expect(findSecrets({ ['sk-ant-api03-abcdefghijklmnopqrstuvwxyz']: 1 })).toHaveLength(1);
  });

  it('does not flag the redaction placeholder, hashes or ordinary text', () => {
    expect(findSecrets({ authorization: REDACTED, h: 'Bearer [REDACTED]', hash: 'e23f8d4197e06fb14090fd7ae275b6f9f4e8449202851dab79c411cb3426d4a2', text: 'ask-me about skills and tasks' })).toEqual([]);
  });
});

describe('redaction and masking of values by name', () => {
  it('redacts credential members at any depth in JSON values and JSON text, whatever the value looks like', async () => {
    const { redactMembers, redactJsonText, redactForm, maskSecrets } = await import('../../src/secrets/index.js');
    const value = { user: 'ana', password: '[not a placeholder]', nested: [{ apiKey: 'x1', keyword: 'cats' }] };
    expect(redactMembers(value)).toEqual({ user: 'ana', password: REDACTED, nested: [{ apiKey: REDACTED, keyword: 'cats' }] });
    expect(value.password).toBe('[not a placeholder]');
    expect(redactMembers({ use_auth: true, max_auth: 3, auth: { user: 'a', pass: 'b' } })).toEqual({ use_auth: true, max_auth: 3, auth: REDACTED });
    const plain = { a: [1, { b: 'c' }] };
    expect(redactMembers(plain)).toBe(plain);
    expect(redactJsonText('{"password":"[x]","q":"a","inner":"{\\"access_token\\":\\"t0k\\"}"}')).toBe(
      '{"password":"[REDACTED]","q":"a","inner":"{\\"access_token\\":\\"[REDACTED]\\"}"}',
    );
    expect(redactForm('grant_type=x&client_secret=%5Bs%5D&keyword=dogs')).toBe('grant_type=x&client_secret=[REDACTED]&keyword=dogs');
    expect(maskSecrets('args: [{"password":"[hunter2]","pageToken":"p7"}] ?api_key=abc&sort_key=price\n  x-api-key: opaque-1')).toBe(
      'args: [{"password":"[masked: by name]","pageToken":"p7"}] ?api_key=[masked: by name]&sort_key=price\n  x-api-key: [masked: by name]',
    );
  });
});
