// Two projects: `cpu` runs in node; `webgl` drives headless Chromium (see test/browser/).
const tsJest = ['ts-jest', {diagnostics: {warnOnly: false}}];
module.exports = {
  projects: [
    {
      displayName: 'cpu',
      testEnvironment: 'node',
      transform: {'^.+\\.ts$': tsJest},
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['<rootDir>/test/browser/'],
      setupFiles: ['<rootDir>/test/setup.ts'],
    },
  ],
};
