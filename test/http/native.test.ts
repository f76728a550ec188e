import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpUnavailable } from '../../src/http/index.js';
import { locateInterceptors, nodeSatisfies } from '../../src/http/native.js';

describe('nodeSatisfies', () => {
  it.each([
    ['>=22', '20.19.6', false],
    ['>=22', '22.0.0', true],
    ['>=22.12.0', '22.11.9', false],
    ['>=22.12.0', '24.1.0', true],
    ['^20.19.0 || >=22', '20.18.3', false],
    ['^20.19.0 || >=22', '20.19.0', true],
    ['^20.19.0 || >=22', '21.7.0', false],
    ['^20.19.0 || >=22', '26.0.0', true],
    ['18 - 22', '10.0.0', true], // a form it does not read: loading decides
  ])('%s with Node %s: %s', (range, version, expected) => {
    expect(nodeSatisfies(range, version)).toBe(expected);
  });
});

describe('locateInterceptors', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("joins the project's msw copy when the project has msw", () => {
    const found = locateInterceptors();
    expect('unavailable' in found).toBe(false);
    if ('unavailable' in found) return;
    expect(found.owner).toMatch(/^msw 2\./);
    expect(found.version).toMatch(/^0\.41\./);
  });

  it("falls back to tapedeck's own dependency in a project without msw (pnpm strict: nothing hoisted)", () => {
    const project = mkdtempSync(join(tmpdir(), 'tapedeck-native-'));
    dirs.push(project);
    writeFileSync(join(project, 'package.json'), '{"name":"user-project"}');
    vi.spyOn(process, 'cwd').mockReturnValue(project);
    const found = locateInterceptors();
    expect('unavailable' in found ? found.unavailable : found.owner).toBe('tapedeck');
  });

  it('refuses, with the reason and the fix, an msw whose interceptors need a newer Node', () => {
    const project = mkdtempSync(join(tmpdir(), 'tapedeck-native-'));
    dirs.push(project);
    writeFileSync(join(project, 'package.json'), '{"name":"user-project"}');
    const msw = join(project, 'node_modules', 'msw');
    const interceptors = join(msw, 'node_modules', '@mswjs', 'interceptors');
    mkdirSync(interceptors, { recursive: true });
    writeFileSync(join(msw, 'package.json'), '{"name":"msw","version":"3.0.5"}');
    writeFileSync(join(interceptors, 'package.json'), '{"name":"@mswjs/interceptors","version":"0.45.12","main":"index.js","engines":{"node":">=99"}}');
    writeFileSync(join(interceptors, 'index.js'), '');
    vi.spyOn(process, 'cwd').mockReturnValue(project);
    expect(locateInterceptors()).toEqual({
      unavailable:
        `@mswjs/interceptors 0.45.12 (installed with msw 3.0.5) needs Node >=99; this is Node ${process.versions.node}.\n` +
        '  fix: run on Node >=99, or use msw 2.x on this Node (npm install -D msw@^2.15).',
    });
  });

  it('says HTTP can be taped here', () => {
    expect(httpUnavailable()).toBeUndefined();
  });
});
