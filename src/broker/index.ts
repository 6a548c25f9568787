export { BrokerModule } from './broker.module';
export { BrokerCredentials } from './broker-credentials';
export { CONSUMER_CONNECTION, PUBLISHER_CONNECTION } from './broker.tokens';
export { BrokerManagementClient } from './broker-management.client';
export { BrokerJwtService } from './broker-jwt.service';
