export * from './streams';
export * from './api-key/api-key.events';
export * from './api-key/api-key.commands';
export * from './provider/provider.events';
export * from './provider/provider.commands';
export * from './projections/views';
export * from './api-key/fingerprint';
