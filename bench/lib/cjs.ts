/**
 * Polly.js ships CommonJS (\`module.exports = Class\`) with \`export default\` typings: imported from ESM the
 * class is \`.default\` at run time, while TypeScript (NodeNext) types it one level deeper.
 */
export function cjsDefault<T>(mod: { default: T }): T extends { default: infer C } ? C : T {
  const value = mod.default as unknown as { default?: unknown };
  return (typeof value === 'function' ? value : (value.default ?? value)) as T extends { default: infer C } ? C : T;
}
