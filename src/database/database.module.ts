import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AppConfig } from '../config';
import { BulkUpdates } from './bulk-updates';
import { DatabaseIndexes } from './database-indexes';

/**
 * The MongoDB connection (FerretDB on development machines). Every call is bounded: server
 * selection and sockets time out, and commands are not buffered while disconnected, so a stopped
 * database shows as "not ready" and failed calls instead of callers waiting forever. Global for
 * BulkUpdates, the one budget of FerretDB's connections that every bulk writer shares.
 */
@Global()
@Module({
  imports: [
    MongooseModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        uri: config.mongo.uri,
        lazyConnection: true,
        autoIndex: false,
        autoCreate: false,
        bufferCommands: false,
        serverSelectionTimeoutMS: config.mongo.timeoutMs,
        connectTimeoutMS: config.mongo.timeoutMs,
        socketTimeoutMS: config.mongo.timeoutMs * 4,
        heartbeatFrequencyMS: 2000,
        // FerretDB shares a fixed pool of backend connections between all clients (docs/database.md).
        maxPoolSize: 10,
      }),
    }),
  ],
  providers: [DatabaseIndexes, BulkUpdates],
  exports: [DatabaseIndexes, BulkUpdates],
})
export class DatabaseModule {}
