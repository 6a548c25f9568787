export * from './admin-route';
export * from './id.pipe';
export * from './json-body';
export * from './client-errors';
export * from './security-headers';
export * from './cors';
