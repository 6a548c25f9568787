import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AppConfig } from '../config';
import { DatabaseIndexes } from './database-indexes';

/**
 * The MongoDB connection (FerretDB on development machines). Every call is bounded: server
 * selection and sockets time out, and commands are not buffered while disconnected, so a stopped
 * database shows as "not ready" and failed calls instead of callers waiting forever.
 */
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
  providers: [DatabaseIndexes],
  exports: [DatabaseIndexes],
})
export class DatabaseModule {}
