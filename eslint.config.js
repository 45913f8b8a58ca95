// @ts-check
import { builtinModules } from 'node:module'
import { defineConfig, globalIgnores } from 'eslint/config'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import prettier from 'eslint-config-prettier'
import globals from 'globals'

export default defineConfig(
  globalIgnores([
    'node_modules/',
    'dist/',
    'data/',
    'coverage/',
    'test-results/',
    'bench/results/',
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      // Runtime output goes through the logger; warn/error stay for the few places without one.
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // shared/ is imported by both sides: it may reach for neither Node nor the server or client code.
    // (The DOM is kept out by tsconfig.shared.json, which has no DOM lib.)
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', ...builtinModules],
              message: 'shared/ also runs in browsers: move Node-specific code to server/.',
            },
            {
              regex: '^(\\.\\./)+(server|client)(/|$)',
              message: 'shared/ is imported by server/ and client/, so it may import neither.',
            },
          ],
        },
      ],
    },
  },
  {
    // Command-line tools and tests talk to the terminal directly.
    files: ['tests/**', 'bench/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
  prettier,
)
