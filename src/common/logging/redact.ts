/** Log fields that may carry secrets; pino replaces their values with "[redacted]". */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'password',
  'token',
  'secret',
  'apiKey',
  '*.password',
  '*.token',
  '*.secret',
  '*.apiKey',
  '*.accessToken',
  '*.access_token',
  '*.JWT_SECRET',
  '*.JWT_PREVIOUS_KEYS',
  '*.ADMIN_API_KEY',
  '*.ADMIN_JWT_SECRET',
  '*.RABBITMQ_PASSWORD',
];

const TOKEN_PATTERN = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/** Replaces anything shaped like a JWT in free text (e.g. an error message) with "[redacted]". */
export function redactTokens(text: string): string {
  return text.replace(TOKEN_PATTERN, '[redacted]');
}
