export { DatabaseModule } from './database.module';
export { DatabaseIndexes } from './database-indexes';
export { BulkUpdates, MAX_BULKS_AT_ONCE, STATEMENTS_PER_BULK, UPDATE_SLOTS } from './bulk-updates';
