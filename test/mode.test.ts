import { describe, expect, it } from 'vitest';
import { isCI, resolveMode, type Mode } from '../src/index.js';
import { ciReason } from '../src/mode.js';

describe('resolveMode', () => {
  const cases: Array<[Record<string, string>, Mode]> = [
    [{}, 'auto'],
    [{ RECORD: '' }, 'auto'],
    [{ RECORD: '0' }, 'replay'],
    [{ RECORD: 'none' }, 'replay'],
    [{ RECORD: '1' }, 'record'],
    [{ RECORD: 'all' }, 'record'],
    [{ RECORD: 'ALL' }, 'record'],
    [{ RECORD: 'new' }, 'new'],
    [{ RECORD: 'off' }, 'passthrough'],
    [{ RECORD: 'verify' }, 'verify'],
    [{ CI: 'true' }, 'replay'],
    [{ CI: '1', RECORD: '0' }, 'replay'],
    [{ CI: 'true', RECORD: 'off' }, 'passthrough'],
    [{ CI: 'true', RECORD: 'verify' }, 'verify'],
    [{ CI: 'false', RECORD: '1' }, 'record'],
    [{ CI: '0', RECORD: 'new' }, 'new'],
    [{ CI: '', RECORD: '1' }, 'record'],
    [{ CI: 'true', RECORD: '1', TAPEDECK_ALLOW_CI_RECORD: '1' }, 'record'],
    [{ CI: 'true', RECORD: 'new', TAPEDECK_ALLOW_CI_RECORD: '1' }, 'new'],
    [{ CI: 'true', TAPEDECK_ALLOW_CI_RECORD: '1' }, 'replay'],
  ];
  it.each(cases)('%j -> %s', (env, mode) => {
    expect(resolveMode(env)).toBe(mode);
  });

  it.each([[{ CI: 'true', RECORD: '1' }], [{ CI: 'yes', RECORD: 'all' }], [{ CI: 'true', RECORD: 'new' }], [{ CI: 'true', RECORD: '1', TAPEDECK_ALLOW_CI_RECORD: '0' }]])(
    'refuses a writing mode under CI: %j',
    (env) => {
      expect(() => resolveMode(env)).toThrowError(expect.objectContaining({ name: 'ReplayError', reason: 'record-forbidden-in-ci' }));
      expect(() => resolveMode(env)).toThrow(/TAPEDECK_ALLOW_CI_RECORD=1/);
    },
  );

  it.each(['yes', '2', 'true', 'recrod'])('rejects RECORD=%s and lists the valid values', (value) => {
    expect(() => resolveMode({ RECORD: value })).toThrowError(expect.objectContaining({ reason: 'invalid-mode' }));
    expect(() => resolveMode({ RECORD: value })).toThrow(/RECORD=1 or all.*RECORD=new/s);
  });

  it('detects CI as set-and-not-false', () => {
    expect(isCI({})).toBe(false);
    expect(isCI({ CI: '' })).toBe(false);
    expect(isCI({ CI: 'false' })).toBe(false);
    expect(isCI({ CI: 'FALSE' })).toBe(false);
    expect(isCI({ CI: '0' })).toBe(false);
    expect(isCI({ CI: 'true' })).toBe(true);
    expect(isCI({ CI: 'woodpecker' })).toBe(true);
  });

  it.each([
    [{ JENKINS_URL: 'http://jenkins/', BUILD_ID: '7' }, 'Jenkins'],
    [{ TF_BUILD: 'True' }, 'Azure Pipelines'],
    [{ TEAMCITY_VERSION: '2026.1' }, 'TeamCity'],
    [{ CODEBUILD_BUILD_ARN: 'arn:aws:codebuild:x' }, 'AWS CodeBuild'],
    [{ GITHUB_ACTIONS: 'true' }, 'GitHub Actions'],
    [{ BUILD_NUMBER: '12' }, 'BUILD_NUMBER=12'],
  ])('detects CI the way the runners do (ci-info): %j', (env, name) => {
    expect(ciReason(env)).toContain(name);
    expect(resolveMode(env)).toBe('replay');
    expect(() => resolveMode({ ...env, RECORD: '1' })).toThrowError(expect.objectContaining({ reason: 'record-forbidden-in-ci' }));
    // CI=false or CI=0 still turns it off, whatever else is set.
    expect(isCI({ ...env, CI: 'false' })).toBe(false);
    expect(isCI({ ...env, CI: '0' })).toBe(false);
  });

  it('binds an explicit mode in code by the same CI rule', () => {
    expect(() => resolveMode({ CI: 'true' }, 'record')).toThrowError(expect.objectContaining({ reason: 'record-forbidden-in-ci' }));
    expect(() => resolveMode({ CI: 'true' }, 'new')).toThrow(/withCassette\(\{ mode: 'new' \}\) asks to record, but CI is set \(CI=true\)/);
    expect(resolveMode({ CI: 'true' }, 'auto')).toBe('replay');
    expect(resolveMode({ CI: 'true', RECORD: '1' }, 'replay')).toBe('replay');
    expect(resolveMode({ CI: 'true', TAPEDECK_ALLOW_CI_RECORD: '1' }, 'record')).toBe('record');
    expect(resolveMode({}, 'record')).toBe('record');
    expect(() => resolveMode({}, 'sometimes' as Mode)).toThrowError(expect.objectContaining({ reason: 'invalid-mode' }));
  });
  // resolveMode() reads process.env on every scope: CI itself live, the named services once per process.
  it('reads CI from process.env on every call, with the same rule as for an env object', () => {
    const saved = { CI: process.env.CI, RECORD: process.env.RECORD };
    try {
      delete process.env.RECORD;
      for (const value of ['true', 'woodpecker', ' ', 'false', 'FALSE', '0', '']) {
        process.env.CI = value;
        const expected = isCI({ ...process.env });
        expect(resolveMode()).toBe(expected ? 'replay' : resolveMode({ ...process.env }));
        if (expected) expect(() => resolveMode(undefined, 'record')).toThrowError(expect.objectContaining({ reason: 'record-forbidden-in-ci' }));
        else expect(resolveMode(undefined, 'record')).toBe('record');
      }
      process.env.CI = 'true';
      expect(() => resolveMode(undefined, 'new')).toThrow(/asks to record, but CI is set \(CI=true\)/);
      process.env.CI = 'false';
      expect(resolveMode(undefined, 'new')).toBe('new');
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
