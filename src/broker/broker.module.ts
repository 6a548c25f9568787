import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AmqpConnection, AmqpPublisher, AmqpServer } from '@app/amqp-transport';
import { MQTT_EXCHANGE, TopicLayout } from '@app/protocol';
import { AppConfig } from '../config';
import { amqpLogger } from '../common/logging';
import { BrokerChannels } from './broker-channels';
import { BrokerJwtService } from './broker-jwt.service';
import { BrokerCredentials } from './broker-credentials';
import { BrokerManagementClient } from './broker-management.client';
import { CONSUMER_CONNECTION, PUBLISHER_CONNECTION } from './broker.tokens';

function connection(name: string, config: AppConfig, credentials: BrokerCredentials): AmqpConnection {
  return new AmqpConnection({
    name: `messaging-engine ${name} (pid ${process.pid})`,
    hostname: config.broker.host,
    port: config.broker.port,
    vhost: config.broker.vhost,
    credentials: credentials.amqp,
    tls: config.broker.tls,
    logger: amqpLogger(`Broker:${name}`),
  });
}

/**
 * The engine's broker access: a consuming connection (used by the AMQP transport) and a
 * publishing one with publisher confirms, both reconnecting by themselves. The connections stay
 * inside this module: the pipeline gets the transport and the publisher, other features
 * BrokerChannels.
 */
@Global()
@Module({
  imports: [JwtModule.register({})],
  providers: [
    BrokerChannels,
    BrokerJwtService,
    BrokerCredentials,
    BrokerManagementClient,
    {
      provide: TopicLayout,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new TopicLayout(config.pipeline.pathPrefix),
    },
    {
      provide: CONSUMER_CONNECTION,
      inject: [AppConfig, BrokerCredentials],
      useFactory: (config: AppConfig, creds: BrokerCredentials) => connection('consumer', config, creds),
    },
    {
      provide: PUBLISHER_CONNECTION,
      inject: [AppConfig, BrokerCredentials],
      useFactory: async (config: AppConfig, creds: BrokerCredentials) => connection('publisher', config, creds),
    },
    {
      provide: AmqpPublisher,
      inject: [PUBLISHER_CONNECTION, AppConfig],
      useFactory: (conn: AmqpConnection, config: AppConfig) => {
        const publisher = new AmqpPublisher(conn, { maxMessageBytes: config.pipeline.maxMessageBytes });
        void conn.start();
        return publisher;
      },
    },
    {
      provide: AmqpServer,
      inject: [AppConfig, CONSUMER_CONNECTION, TopicLayout],
      useFactory: (config: AppConfig, conn: AmqpConnection, topics: TopicLayout) =>
        new AmqpServer({
          connection: conn,
          exchange: MQTT_EXCHANGE,
          queue: config.pipeline.queue,
          deadLetter: {
            exchange: config.pipeline.deadLetterExchange,
            queue: config.pipeline.deadLetterQueue,
            cap: {
              maxLength: config.pipeline.deadLetterMaxLength,
              maxBytes: config.pipeline.deadLetterMaxBytes,
              droppedQueue: config.pipeline.deadLetterDroppedQueue,
            },
          },
          prefetch: config.pipeline.prefetch,
          patternVariables: { prefix: topics.amqpPrefix },
          payload: 'raw',
          drainTimeoutMs: config.shutdownTimeoutMs,
          logger: amqpLogger('AmqpServer'),
        }),
    },
  ],
  exports: [BrokerChannels, BrokerJwtService, BrokerCredentials, BrokerManagementClient, TopicLayout, AmqpPublisher, AmqpServer],
})
export class BrokerModule implements OnApplicationShutdown {
  constructor(
    @Inject(PUBLISHER_CONNECTION) private readonly publisher: AmqpConnection,
    private readonly server: AmqpServer,
  ) {}

  /** Last step of shutdown: the consumer has drained (main.ts) before the publisher goes. */
  async onApplicationShutdown(): Promise<void> {
    await this.server.close();
    await this.publisher.close();
  }
}
