export { within } from './within';
export { KeyedQueue } from './keyed-queue';
