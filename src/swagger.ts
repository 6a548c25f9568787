import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { documentedErrors, ErrorBody, ErrorDescriptions } from './common/errors';
import { ADMIN_PREFIX } from './common/http';

/** Name of the bearer security scheme (the UI's Authorize button). */
const ADMIN_SECURITY = 'admin';

const AUTH_ERRORS: ErrorDescriptions = {
  UNAUTHORIZED: 'No, invalid or expired credential (WWW-Authenticate: Bearer)',
  FORBIDDEN: 'Admin JWT without the admin role',
  RATE_LIMITED: 'Too many admin requests from this address (Retry-After: seconds)',
};

/**
 * Marks every operation under /admin/v1 as requiring the admin credential, with its 401/403/429
 * answers: the guard is global, so the document says so for every admin route, present and future.
 */
function secureAdminOperations(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith(`/${ADMIN_PREFIX}/`)) continue;
    for (const op of Object.values(item)) {
      if (typeof op !== 'object' || op === null || !('responses' in op)) continue;
      op.security = [{ [ADMIN_SECURITY]: [] }];
      for (const { status, description, examples } of documentedErrors(AUTH_ERRORS)) {
        op.responses[status] ??= { description, content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorBody) }, examples } } };
      }
    }
  }
  return document;
}

/** OpenAPI 3 document (schemas come from the @nestjs/swagger CLI plugin): UI at /docs, JSON at /docs-json. */
export function setupSwagger(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('messaging-engine admin API')
      .setDescription(
        'Users, blocks, conversations, broker tokens and health of the messaging engine. Every /admin/v1 call needs ' +
          '`Authorization: Bearer <admin API key or admin JWT>` (docs/tokens.md); health and metrics are public.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Admin API key (ADMIN_API_KEY) or admin JWT' }, ADMIN_SECURITY)
      .build(),
    { extraModels: [ErrorBody] },
  );
  SwaggerModule.setup('docs', app, secureAdminOperations(document), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
}
