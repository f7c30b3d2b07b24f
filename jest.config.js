/** Unit (`*.spec.ts`), integration (`*.int.spec.ts`) and end-to-end (`*.e2e.spec.ts`) tests in one run. */
const { compilerOptions } = require('./tsconfig.json');

/** The `@switchboard/*` aliases come from tsconfig's `paths`, their one list (tsc-alias reads the same). */
const libAliases = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
);
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
  // light-my-request (Fastify's inject) requires `cookie`, ESM only since 1.0, and @fastify/static
  // (the console) requires content-disposition, ESM only since 3: compiled the same way.
  // The pattern looks at the innermost node_modules folder of a path only.
  transformIgnorePatterns: ['/node_modules/(?!(.*/)?node_modules/)(?!@nestjs/|cookie/|content-disposition/)'],
  moduleNameMapper: libAliases,
  testTimeout: 30000,
  maxWorkers: 2,
};
