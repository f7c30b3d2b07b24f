export * from './auth.hook';
export * from './key-ring';
