// npm run lint: ESLint over the TypeScript of the whole tree (type-aware where the rule needs
// types), and Prettier's check of its formatting (.prettierrc.json: 100 columns).
//
// The rules kept are those that catch defects: unused code, promises left floating, non-null
// assertions where a check belongs, and one import order. The AssemblyScript sources
// (kernels/simd/assembly/) are formatted by Prettier but not linted here: their types (usize,
// v128) are AssemblyScript's, which the TypeScript checker does not know.

import js from '@eslint/js';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      '.tmp/',
      'test/browser/.bundle/',
      'kernels/simd/module.ts',
      'kernels/simd/assembly/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {projectService: true, tsconfigRootDir: import.meta.dirname},
    },
    plugins: {'simple-import-sort': simpleImportSort},
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none'},
      ],
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
      // 100 columns, comments included; what Prettier cannot break (a long string, regular
      // expression or template line: a test's title, an expected message, GLSL) is left as is.
      'max-len': [
        'error',
        {
          code: 100,
          comments: 100,
          ignoreUrls: true,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
        },
      ],
    },
  },
  {
    // In tests a non-null assertion on what a test has just found is the check: a null fails it.
    files: ['test/**/*.ts'],
    rules: {'@typescript-eslint/no-non-null-assertion': 'off'},
  },
  {
    // The JavaScript of the tree (bin/, scripts/, the jest config): plain ESLint rules.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {'@typescript-eslint/no-require-imports': 'off'},
  },
);
