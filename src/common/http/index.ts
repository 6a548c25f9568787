export * from './admin-route';
export * from './user-id.pipe';
