export * from './admin-route';
export * from './user-id.pipe';
export * from './json-body';
export * from './client-errors';
export * from './security-headers';
export * from './group-id.pipe';
