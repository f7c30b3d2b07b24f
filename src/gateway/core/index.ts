export * from './commands';
export * from './core.module';
export * from './core.tokens';
export * from './domain-writer';
export * from './projection-feed';
export * from './startup-failure';
