export * from './loading-cache';
