import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { documentedErrors, ErrorBody, ErrorDescriptions } from './common/errors';
import { ADMIN_PREFIX, USER_PREFIX } from './common/http';
import { USER_SECURITY } from './me/user-security';

/** Name of the bearer security scheme (the UI's Authorize button). */
const ADMIN_SECURITY = 'admin';

const AUTH_ERRORS: ErrorDescriptions = {
  UNAUTHORIZED: 'No, invalid or expired credential (WWW-Authenticate: Bearer)',
  FORBIDDEN: 'Admin JWT without the admin role',
  RATE_LIMITED: 'Too many admin requests from this address (Retry-After: seconds)',
};

const USER_AUTH_ERRORS: ErrorDescriptions = {
  UNAUTHORIZED: 'No, invalid or expired user token, or one of an unknown user (WWW-Authenticate: Bearer)',
  RATE_LIMITED: 'Too many requests from this user (Retry-After: seconds)',
};

/** A token of a disabled user: 401 like any refused token, with its own code (refreshing will not help). */
const USER_DISABLED_EXAMPLE = {
  summary: 'The user is disabled',
  value: { statusCode: 401, code: 'USER_DISABLED', message: 'user alice is disabled' },
};

/**
 * Marks every operation under a prefix as requiring a credential, with its 401/403/429 answers:
 * the guards are global, so the document says so for every route, present and future.
 */
function secureOperations(document: OpenAPIObject, prefix: string, security: string, errors: ErrorDescriptions): void {
  for (const [path, item] of Object.entries(document.paths)) {
    if (path !== `/${prefix}` && !path.startsWith(`/${prefix}/`)) continue;
    for (const op of Object.values(item)) {
      if (typeof op !== 'object' || op === null || !('responses' in op)) continue;
      op.security = [{ [security]: [] }];
      for (const { status, description, examples } of documentedErrors(errors)) {
        op.responses[status] ??= { description, content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorBody) }, examples } } };
        if (security === USER_SECURITY && status === 401) {
          const response = op.responses[status] as { description: string; content: { 'application/json': { examples: Record<string, unknown> } } };
          response.description += `; USER_DISABLED: ${USER_DISABLED_EXAMPLE.summary}`;
          response.content['application/json'].examples.USER_DISABLED = USER_DISABLED_EXAMPLE;
        }
      }
    }
  }
}

/** The admin plane's credential on /admin/v1, the user's broker token on /v1/me. */
function secureAllOperations(document: OpenAPIObject): OpenAPIObject {
  secureOperations(document, ADMIN_PREFIX, ADMIN_SECURITY, AUTH_ERRORS);
  secureOperations(document, USER_PREFIX, USER_SECURITY, USER_AUTH_ERRORS);
  return document;
}

/** OpenAPI 3 document (schemas come from the @nestjs/swagger CLI plugin): UI at /docs, JSON at /docs-json. */
export function setupSwagger(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('messaging-engine API')
      .setDescription(
        'Users, blocks, conversations, broker tokens and health of the messaging engine. Every /admin/v1 call needs ' +
          '`Authorization: Bearer <admin API key or admin JWT>` (docs/tokens.md); health and metrics are public. ' +
          'The user API (/v1/me, tag `me`) takes the user\'s own broker token instead: `Authorization: Bearer <token>` (docs/user-api.md).',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Admin API key (ADMIN_API_KEY) or admin JWT' }, ADMIN_SECURITY)
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "The user's broker token (POST /admin/v1/users/{id}/tokens, POST /v1/me/token)" }, USER_SECURITY)
      .build(),
    { extraModels: [ErrorBody] },
  );
  SwaggerModule.setup('docs', app, secureAllOperations(document), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
}
