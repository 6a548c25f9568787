export { within } from './within';
export { mapInChunks } from './in-chunks';
export { runInLanes } from './in-lanes';
export type { LanesOutcome } from './in-lanes';
export { KeyedQueue } from './keyed-queue';
export { MicroBatcher } from './micro-batcher';
export type { BatchStep, MicroBatcherOptions } from './micro-batcher';
