/** Unit (`*.spec.ts`), integration (`*.int.spec.ts`) and end-to-end (`*.e2e.spec.ts`) tests in one run. */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
};

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: {
    '^@switchboard/(config|domain|event-store|providers|react)$': '<rootDir>/libs/$1/index.ts',
  },
  testTimeout: 30000,
  maxWorkers: 2,
};
