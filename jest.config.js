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
  // Nest 12 ships ES modules only. Node >= 20.19 requires them natively, but jest's CommonJS
  // runtime cannot, so they are compiled to CommonJS like our own code.
  transform: { '^.+\\.(ts|js|mjs)$': ['@swc/jest', swc] },
  transformIgnorePatterns: ['/node_modules/(?!@nestjs/)'],
  moduleNameMapper: {
    '^@switchboard/(config|domain|event-store|providers|react)$': '<rootDir>/libs/$1/index.ts',
  },
  testTimeout: 30000,
  maxWorkers: 2,
};
