// Two projects: `cpu` runs in node; `webgl` drives headless Chromium (see test/browser/).
const tsJest = ['ts-jest', {diagnostics: {warnOnly: false}}];
module.exports = {
  // Per test; a browser test's first case of a kind waits for SwiftShader to compile shaders.
  testTimeout: 60000,
  projects: [
    {
      displayName: 'cpu',
      testEnvironment: 'node',
      transform: {'^.+\\.ts$': tsJest},
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['<rootDir>/test/browser/'],
      setupFiles: ['<rootDir>/test/setup.ts'],
    },
    {
      // Each test file bundles the page, launches Chromium once and runs its cases in it.
      // SwiftShader compiles shaders slowly: the first case of a kind can take seconds.
      displayName: 'webgl',
      testEnvironment: 'node',
      transform: {'^.+\\.ts$': tsJest},
      testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
    },
  ],
};
