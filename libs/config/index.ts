export * from './config.types';
export * from './load-config';
export * from './keys';
export * from './key-vault';
export * from './keys-sync';
export * from './keys-watcher';
export * from './auth-config';
export * from './config-document';
