export { AmqpConnection, AmqpConnectionOptions, AmqpCredentials, AmqpLogger, ConnectionState } from './amqp-connection';
export { AmqpPublisher, PublishError, PublishRequest } from './amqp-publisher';
export { AmqpServer, AmqpServerOptions } from './amqp.server';
export { AmqpContext, DeadLetterMark } from './amqp.context';
export { DEAD_LETTER_HEADERS, TRANSPORT_REJECT_CODES } from './dead-letter';
export { TopicMatcher, expandPattern } from './topic-matcher';
export { BackoffOptions, backoffDelay } from './backoff';
