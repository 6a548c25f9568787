export * from './error-codes';
export * from './domain.error';
export * from './error-body.dto';
export * from './http-exception.filter';
export * from './api-error-responses.decorator';
