import { Provider } from '@nestjs/common';
import { getConnectionToken, getModelToken } from '@nestjs/mongoose';
import { Connection, Schema } from 'mongoose';
import { AppConfig } from '../config';

/**
 * Registers a model in the database of derived data (MONGODB_DERIVED_DB) on the main connection's
 * pool. Derived data lives apart from the messages: on FerretDB's SQLite backend each database is
 * one file with one writer, and summary upserts in the messages' file stall the hot path's inserts
 * (measured: insertMany p95 12 ms alone, 137 ms beside 40-upsert bulks, 12 ms with them elsewhere).
 */
export function derivedDb(connection: Connection, config: AppConfig): Connection {
  return connection.useDb(config.mongo.derivedDb, { useCache: true });
}

export function derivedModel(name: string, schema: Schema): Provider {
  return {
    provide: getModelToken(name),
    inject: [getConnectionToken(), AppConfig],
    useFactory: (connection: Connection, config: AppConfig) =>
      derivedDb(connection, config).model(name, schema),
  };
}
