export * from './cursor';
export * from './page-query.dto';
export * from './page';
export * from './kept-rows';
