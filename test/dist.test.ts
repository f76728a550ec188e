// The package as users get it: every entry point through package.json `exports`, from ESM and CJS.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { import?: { types: string; default: string }; require?: { types: string; default: string } }> };
const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, CI: '', RECORD: '' } }).trim();

describe('built package', () => {
  it('declares ESM, CJS and types for every entry, and the files exist', () => {
    for (const entry of ['.', './vitest', './jest', './mcp']) {
      const target = pkg.exports[entry]!;
      for (const file of [target.import!.default, target.import!.types, target.require!.default, target.require!.types]) expect(existsSync(join(root, file)), file).toBe(true);
    }
  });

  it('imports the core from ESM and requires it from CJS, sharing the public names', () => {
    const names = ['ToolCallCassette', 'argsHash', 'tool', 'withCassette', 'ReplayError', 'resolveMode', 'configure'];
    const esm = node(['--input-type=module', '-e', `import * as t from 'tapedeck'; console.log(JSON.stringify(Object.keys(t)))`]);
    const cjs = node(['-e', `console.log(JSON.stringify(Object.keys(require('tapedeck'))))`]);
    for (const name of names) {
      expect(JSON.parse(esm)).toContain(name);
      expect(JSON.parse(cjs)).toContain(name);
    }
  });

  it('computes the DESIGN vector from both builds', () => {
    const expected = 'e23f8d4197e06fb14090fd7ae275b6f9f4e8449202851dab79c411cb3426d4a2';
    expect(node(['--input-type=module', '-e', `import { argsHash } from 'tapedeck'; console.log(argsHash({ b: 1, a: [1, { d: 2, c: 3 }] }))`])).toBe(expected);
    expect(node(['-e', `console.log(require('tapedeck').argsHash({ b: 1, a: [1, { d: 2, c: 3 }] }))`])).toBe(expected);
  });

  it('records and replays through the CJS build', () => {
    const script = `
      const { withCassette, tool } = require('tapedeck');
      const path = require('node:path').join(require('node:os').tmpdir(), 'tapedeck-cjs-' + process.pid + '.json');
      let live = 0;
      const t = tool('t', async (x) => ({ x, live: ++live }));
      (async () => {
        await withCassette({ path }, () => t(1));
        const again = await withCassette({ path, mode: 'replay' }, () => t(1));
        require('node:fs').rmSync(path);
        console.log(JSON.stringify(again));
      })();`;
    expect(JSON.parse(node(['-e', script]))).toEqual({ x: 1, live: 1 });
  });

  it('serves tapedeck/mcp from ESM and CJS, and keeps it out of everything `tapedeck` itself loads', () => {
    expect(node(['--input-type=module', '-e', `import { mcpTransport } from 'tapedeck/mcp'; console.log(typeof mcpTransport)`])).toBe('function');
    expect(node(['-e', `console.log(typeof require('tapedeck/mcp').mcpTransport)`])).toBe('function');
    const others = readdirSync(join(root, 'dist')).filter((f) => /\.c?js$/.test(f) && !f.startsWith('mcp.'));
    for (const file of others) expect(readFileSync(join(root, 'dist', file), 'utf8'), file).not.toContain('TapedTransport');
    // Nor does tapedeck/mcp load the MCP SDK: it is an optional peer, typed structurally.
    expect(readFileSync(join(root, 'dist', 'mcp.js'), 'utf8')).not.toContain('@modelcontextprotocol');
  });
});

describe('packed tarball', () => {
  it('holds what a user needs and nothing else, with a prepack that builds dist/', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
    expect(manifest.scripts.prepack).toMatch(/^tsup\b/);
    // HTTP taping must not depend on the user installing msw: tapedeck brings the interception layer.
    expect(manifest.dependencies['@mswjs/interceptors']).toBeDefined();
    // --ignore-scripts: list the files without rebuilding (npm test builds dist/ first when stale).
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', '--loglevel=error'], { cwd: root, encoding: 'utf8' })) as Array<{ files: Array<{ path: string }> }>;
    const paths = packed!.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/cli.js', 'dist/vitest.js', 'dist/jest.cjs']));
    expect(paths.filter((p) => !/^(dist\/[\w.-]+\.(js|cjs|d\.ts|d\.cts)|LICENSE|README\.md|CHANGELOG\.md|package\.json)$/.test(p))).toEqual([]);
  });
});
