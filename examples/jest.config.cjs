// The examples' jest project: TypeScript through @swc/jest; tapedeck needs nothing in here.
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['**/*.jest.test.ts'],
  transform: { '^.+\\.ts$': '@swc/jest' },
  // The examples import './tools.js' (ESM style); in jest's CommonJS world that file is tools.ts.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
