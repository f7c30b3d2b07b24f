export * from './config.types';
