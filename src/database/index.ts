export { DatabaseModule } from './database.module';
export { DatabaseIndexes } from './database-indexes';
