import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { Connection } from 'mongoose';
import { AppConfig } from '../config';
import { derivedDb } from './derived-model';

/**
 * Creates the indexes every schema declares, once the database is reachable (retrying in the
 * background while it is not).
 */
@Injectable()
export class DatabaseIndexes implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DatabaseIndexes.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    void this.attempt(1);
  }

  onModuleDestroy(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  /** True when the server is FerretDB rather than MongoDB (logged: its limits shape the design). */
  private async isFerretDb(): Promise<boolean> {
    const info = await this.connection.db!.admin().command({ buildInfo: 1 });
    return typeof info.ferretdbVersion === 'string';
  }

  private async attempt(n: number): Promise<void> {
    try {
      await this.connection.asPromise();
      await this.ensureAll();
    } catch (err) {
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(n, 5));
      this.logger.warn({ attempt: n, retryInMs: delay, error: (err as Error).message }, 'could not create indexes yet');
      this.timer = setTimeout(() => void this.attempt(n + 1), delay);
    }
  }

  private async ensureAll(): Promise<void> {
    const ferret = await this.isFerretDb();
    // The main database and the database of derived data.
    const models = [this.connection, derivedDb(this.connection, this.config)].flatMap((c) => Object.values(c.models));
    for (const model of models) {
      await model.createCollection().catch((err: { code?: number }) => {
        if (err.code !== 48) throw err; // 48: NamespaceExists
      });
      for (const [fields, options] of model.schema.indexes()) {
        await model.collection.createIndex(fields as Record<string, 1 | -1>, options as Record<string, unknown>);
      }
    }
    this.logger.log({ ferretdb: ferret, models: models.map((m) => `${m.db.name}.${m.collection.name}`) }, 'database indexes ready');
  }
}
