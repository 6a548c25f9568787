export * from './admin-route';
