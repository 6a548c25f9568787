import { freePort } from './engine';
import { TEST_STACK } from './test-env';

/**
 * The stack settings of a broker node of a test's own (beside the test stack's, named after it with
 * `suffix`), on free ports: for tests that start a node with another configuration.
 */
export async function ownNodeSettings(suffix: string): Promise<Record<string, string>> {
  const ports = new Set<number>();
  while (ports.size < 8) ports.add(await freePort());
  const [amqp, mqtt, wsMqtt, mqtts, wss, management, dist, epmd] = [...ports].map(String);
  const dir = `${TEST_STACK.STACK_DIR}-${suffix}`;
  return {
    STACK_DIR: dir,
    STACK_NODE_NAME: `engine-${dir.split('/').pop()}@localhost`,
    STACK_AMQP_PORT: amqp,
    STACK_MQTT_PORT: mqtt,
    STACK_WS_MQTT_PORT: wsMqtt,
    STACK_MQTTS_PORT: mqtts,
    STACK_WSS_MQTT_PORT: wss,
    STACK_MGMT_PORT: management,
    STACK_DIST_PORT: dist,
    STACK_EPMD_PORT: epmd,
    STACK_ENV_FILE: '/dev/null',
  };
}
