export * from './free-form.decorator';
export * from './storable-text.decorator';
export * from './satisfies.decorator';
export * from './query-boolean.decorator';
