export { BrokerModule } from './broker.module';
export { BrokerCredentials } from './broker-credentials';
export { BrokerChannels } from './broker-channels';
export type { BrokerLink } from './broker-channels';
export { BrokerManagementClient, hostPort } from './broker-management.client';
export { BrokerJwtService, BrokerTokenRefused } from './broker-jwt.service';
