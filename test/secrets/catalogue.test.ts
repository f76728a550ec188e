// What keeps src/secrets/shapes.ts maintained: secretlint's recommended preset (a dev dependency, bumped
// like any other) is run here, not at write time (see shapes.ts for why). When the preset gains a rule,
// the first test fails until the rule is mirrored or listed as not applicable; every key the preset
// flags in the corpus, tapedeck's scan must flag too.
import { lintSource } from '@secretlint/core';
import { creator as recommended, rules } from '@secretlint/secretlint-rule-preset-recommend';
import { describe, expect, it } from 'vitest';
import { NOT_PORTED, SECRET_SHAPES, secretKind } from '../../src/secrets/index.js';
import { corpus, rng } from './corpus.js';

const secretlintFlags = async (text: string): Promise<string[]> => {
  const result = await lintSource({
    source: { content: text, filePath: '/corpus.txt', ext: '.txt', contentType: 'text' },
    options: { config: { rules: [{ id: recommended.meta.id, rule: recommended }] }, noPhysicFilePath: true },
  });
  return result.messages.map((m) => m.ruleId);
};

/** A 1Password service account token's payload: base64 of a JSON object that ends in `fQ==`. */
function onePassword(secretKey: string, srpX: string): string {
  let json = JSON.stringify({ email: 'svc@1passwordserviceaccounts.lcl', secretKey, srpX });
  while (json.length % 3 !== 1) json = json.replace('{', '{ ');
  return Buffer.from(json).toString('base64');
}

/** Keys in the exact formats secretlint's rules expect (its patterns are stricter than tapedeck's). */
function secretlintFormats(seed: number): Array<[string, string]> {
  const rand = rng(seed);
  const pick = (alphabet: string, n: number): string => Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]!).join('');
  const AN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const HEX = '0123456789abcdef';
  const B64 = `${AN}+/`;
  return [
    ['openai', `sk-proj-${pick(AN, 74)}T3BlbkFJ${pick(AN, 74)}`],
    ['linear', `lin_api_${pick(AN, 40)}`],
    ['notion', `ntn_${pick('0123456789', 11)}${pick(AN, 35)}`],
    ['shopify', `shpat_${pick(HEX, 32)}`],
    ['grafana', `glsa_${pick(AN, 32)}_${pick(HEX, 8)}`],
    ['1password', `ops_${onePassword(pick(AN, 40), pick(AN, 64))}`],
    ['vault', `hvs.${pick(AN, 100)}`],
    ['vercel', `vcp_${pick(AN, 30)}`],
    ['databricks', `dapi${pick(HEX, 32)}`],
    ['docker', `dckr_pat_${pick(AN, 27)}`],
    ['figma', `figd_${pick(AN, 50)}`],
    ['slack webhook', `https://hooks.slack.com/services/T${pick(AN, 9)}/B${pick(AN, 9)}/${pick(AN, 24)}`],
    ['mongodb', `mongodb+srv://app:${pick(AN, 16)}@cluster0.example.net/db`],
    ['mysql', `mysql://root:${pick(AN, 16)}@db.example.com:3306/app`],
    ['basic auth URL', `https://admin:${pick(AN, 16)}@internal.example.com/path`],
    ['aws secret', `aws_secret_access_key = ${pick(B64, 40)}`],
    ['npm', `npm_${pick(AN, 36)}`],
    ['github', `ghp_${pick(AN, 36)}`],
    ['private key', `-----BEGIN RSA PRIVATE KEY-----\nMII${pick(B64, 200)}\n-----END RSA PRIVATE KEY-----`],
  ];
}

describe("secretlint's recommended preset, mirrored in src/secrets/shapes.ts", () => {
  it('every rule of the preset is mirrored by a shape or listed as not applicable, with a reason', () => {
    const mirrored = new Set(SECRET_SHAPES.map((s) => s.from));
    const unmatched = rules.map((r) => r.meta.id).filter((id) => !mirrored.has(id) && !(id in NOT_PORTED));
    expect(unmatched, 'new secretlint rules: port their patterns into src/secrets/shapes.ts').toEqual([]);
    // Rules of later presets (13.1: Stripe, Cloudflare, Tailscale, which need Node 22) are mirrored
    // already, so the dev dependency can move up without a gap.
  });

  it('every key the preset flags, in its own formats and in the corpus, the scan flags too', async () => {
    // Its own formats: secretlint must flag each one, or this test would check nothing.
    for (const [kind, text] of secretlintFormats(9)) {
      const flags = await secretlintFlags(text);
      expect(flags, `secretlint no longer flags ${kind}: update the sample`).not.toEqual([]);
      expect(secretKind(text), `${kind}: secretlint says ${flags.join(', ')}`).toBeDefined();
    }
    // The corpus (tapedeck's own shapes among them): whatever secretlint flags, the scan flags.
    for (const key of corpus(9)) {
      const flags = await secretlintFlags(key.value);
      if (flags.length > 0) expect(secretKind(key.value), `${key.kind}: secretlint says ${flags.join(', ')}`).toBeDefined();
    }
  });
});
