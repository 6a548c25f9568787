#!/usr/bin/env node
// Prints a broker token for one chat user, issued by the engine's own code (dist/, so build
// first) with the engine's settings (JWT_*, PATH_PREFIX, MQTT_URL, MQTT_TLS_URL, MQTT_WSS_URL, MQTT_PLAIN_ENABLED from the environment or .env):
// for a first client, a smoke test, or support. Output: JSON with the token, the broker URLs (as a token's mqtt_urls), the
// client id prefix and the topics the token allows.
//
// Usage: node scripts/issue-token.js USER_ID [TTL_SECONDS]   (default: TOKEN_TTL_SECONDS)
//   Docker: docker compose -f docker/docker-compose.yml exec engine node scripts/issue-token.js alice
'use strict';
const path = require('node:path');

const dist = path.resolve(__dirname, '../dist');
const { loadConfig } = require(`${dist}/src/config`);
const { BrokerJwtService } = require(`${dist}/src/broker/broker-jwt.service`);
// The grants are the wire contract's (libs/protocol), the same the engine's token endpoint uses.
const { isValidUserId, TopicLayout, USER_ID_RULE, userGrants } = require(`${dist}/libs/protocol/src`);
const { JwtService } = require('@nestjs/jwt');

function fail(message) {
  process.stderr.write(`issue-token: ${message}\n`);
  process.exit(1);
}

const [userId, ttlArg] = process.argv.slice(2);
if (!isValidUserId(userId)) fail(`usage: issue-token.js USER_ID [TTL_SECONDS] (user id: ${USER_ID_RULE})`);

let config;
try {
  config = loadConfig();
} catch (err) {
  fail(err.message);
}
const ttl = ttlArg === undefined ? config.tokens.defaultTtlSeconds : Number(ttlArg);
if (!Number.isInteger(ttl) || ttl <= 0) fail('TTL_SECONDS must be a positive whole number');
const grants = userGrants(new TopicLayout(config.pipeline.pathPrefix), userId, config.jwt.audience);
const { token, expiresAt } = new BrokerJwtService(new JwtService(), config).sign(
  { sub: userId, scope: grants.scopes },
  ttl,
);
process.stdout.write(
  JSON.stringify(
    {
      userId,
      token,
      expiresAt: new Date(expiresAt * 1000).toISOString(),
      mqttUrls: config.broker.mqttUrls,
      clientIdPrefix: grants.clientIdPrefix,
      publish: grants.publish,
      subscribe: grants.subscribe,
    },
    null,
    2,
  ) + '\n',
);
