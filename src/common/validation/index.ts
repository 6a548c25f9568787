export * from './free-form.decorator';
export * from './storable-text.decorator';
