export { DatabaseModule } from './database.module';
export { DatabaseIndexes } from './database-indexes';
export { BulkUpdates, STATEMENTS_PER_BULK, UPDATE_SLOTS } from './bulk-updates';
