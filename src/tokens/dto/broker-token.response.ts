export class BrokerTokenResponse {
  /** The JWT: the MQTT password (the MQTT username is not used; give the user id). */
  token!: string;
  /** When the token expires, ms since the epoch. */
  expires_at!: number;
  /** Seconds from now until it expires. */
  expires_in!: number;
  /** Where clients connect (MQTT 3.1.1): the TLS URLs (mqtts://, wss://) first; only those when plain MQTT is off (docs/tls.md). */
  mqtt_urls!: string[];
  /** Every MQTT client id of this user must start with this (`<user id>~`). */
  client_id_prefix!: string;
  /** Topics the user may publish to (`+` stands for any other user id). */
  publish!: string[];
  /** Topic filters the user may subscribe to. */
  subscribe!: string[];
}

export class DisconnectResponse {
  /** Broker connections that were open as this user and are now closed. */
  closed!: number;
}
