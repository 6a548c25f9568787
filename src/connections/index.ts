export { ConnectionsModule } from './connections.module';
export { ConnectionsService } from './connections.service';
export { ConnectionTracker } from './connection-tracker.service';
export type { IdentifiedConnection, LiveConnection } from './connection-registry';
