export { ENGINE_ENTRY, freePort, spawnEngineProcess, untilReady, waitForStatus } from './engine-process';
export type { EngineProcess, EngineProcessOptions } from './engine-process';
