export * from './messages-wire';
export * from './request';
export * from './response';
export * from './stream';
