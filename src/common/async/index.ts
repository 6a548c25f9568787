export { within } from './within';
export { mapInChunks } from './in-chunks';
export { KeyedQueue } from './keyed-queue';
export { MicroBatcher } from './micro-batcher';
export type { BatchStep, MicroBatcherOptions } from './micro-batcher';
