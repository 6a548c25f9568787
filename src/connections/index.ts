export { ConnectionsModule } from './connections.module';
export { ConnectionsService } from './connections.service';
export { ConnectionsRepository } from './connections.repository';
export type { IdentifiedConnection, LiveConnection } from './connection-registry';
