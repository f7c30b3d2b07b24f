export * from './responses-wire';
export * from './ids';
export * from './request';
export * from './response';
export * from './stream';
