export * from './user-id';
export * from './topics';
export * from './codes';
export * from './payloads';
export * from './free-form';
export * from './validation';
export * from './message-id';
export * from './user-grants';
