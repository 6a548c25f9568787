// The one backoff formula, shared by the engine's transport and pipeline and by the client SDK
// (which runs in browsers, so this lib stays pure: no Node, no dependencies).
export { backoffCeiling, backoffDelay } from './backoff';
export type { BackoffOptions } from './backoff';
