// Lint: type-aware rules that catch lost promises and value/type import mixups.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layer boundaries (docs: README "folder" table): dependencies point inward,
 * cli/, server/ → runtime/ → ingest/, scoring/, transforms/ → schemas/, and
 * scoring/ → schemas/ only. Each folder lists the folders it must not import.
 */
const LAYERS = ['schemas', 'scoring', 'ingest', 'transforms', 'runtime', 'server', 'cli'];
const FORBIDDEN = {
  schemas: ['scoring', 'ingest', 'transforms', 'runtime', 'server', 'cli'],
  scoring: ['ingest', 'transforms', 'runtime', 'server', 'cli'],
  transforms: ['ingest', 'runtime', 'server', 'cli'],
  ingest: ['runtime', 'server', 'cli'],
  runtime: ['server', 'cli'],
  server: ['cli', 'ingest', 'transforms'],
  // Commands call runtime/ use cases; scoring/'s pure formatting and types are theirs to use.
  cli: ['server', 'ingest', 'transforms'],
};
/** scoring/ is pure: besides the layers above, no I/O (files, network, store, Kafka, schedules, processes). */
const SCORING_IO = ['node:fs', 'node:fs/*', 'node:http', 'node:https', 'node:net', 'node:child_process', 'node-cron', 'kafkajs', 'fastify', '@clickhouse/*', 'chdb', 'chdb/*'];
const layerRules = LAYERS.map((layer) => ({
  files: [`${layer}/**/*.ts`],
  // `serve` is the one command whose job is to start the HTTP service.
  ignores: layer === 'cli' ? ['cli/commands/serve.ts'] : [],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...FORBIDDEN[layer].map((other) => ({
            group: [`**/${other}/**`, `../${other}`, `../../${other}`],
            message: `${layer}/ must not import ${other}/ (layers: cli/, server/ → runtime/ → ingest/, scoring/, transforms/ → schemas/; scoring/ → schemas/ only)`,
          })),
          ...(layer === 'scoring' ? [{ group: SCORING_IO, message: 'scoring/ is pure: I/O belongs in runtime/ (use cases) or transforms/ (the store)' }] : []),
        ],
      },
    ],
  },
}));
export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'data', '.cache', 'coverage', 'server/public/vendor'] },
  js.configs.recommended,
  { files: ['bin/**/*.js'], languageOptions: { globals: { process: 'readonly' } } },
  // The dashboard is plain browser JS (ES modules, no build step).
  {
    files: ['server/public/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'window', 'document', 'location', 'history', 'localStorage', 'fetch', 'AbortController', 'TextDecoder',
          'URLSearchParams', 'URL', 'FormData', 'CSS', 'setTimeout', 'clearTimeout', 'console',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  ...layerRules,
);
