// Two projects: `cpu` runs in node; `webgl` drives headless Chromium (see test/browser/).
const tsJest = ['ts-jest', {diagnostics: {warnOnly: false}, isolatedModules: true}];
module.exports = {
  projects: [
    {
      displayName: 'cpu',
      testEnvironment: 'node',
      transform: {'^.+\\.ts$': tsJest},
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['<rootDir>/test/browser/'],
    },
  ],
};
