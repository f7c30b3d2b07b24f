export * from './nest-pino-logger';
export * from './request-log';
export * from './root-logger';
export * from './process-logging';
