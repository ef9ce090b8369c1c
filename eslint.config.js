// Lint rules for the TypeScript and React sources; formatting is Prettier's (eslint-config-prettier
// turns off the stylistic rules that would fight it). `npm run lint` runs both checks, and `npm test`
// runs `npm run lint` first. Type-aware rules are left out on purpose: `tsc -b` already checks types
// strictly, and the type-aware pass costs minutes on the project's 2-core machines.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test-artifacts/', 'public/', 'models/', '.venv/', '.venv-tools/', '.venv-hf/', 'tools/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      // `_`-prefixed names are deliberately unused (a parameter kept for the signature).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  prettier,
);
