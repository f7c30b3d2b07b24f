export * from './tracing';
export { LineThrottle } from './export-diagnostics';
