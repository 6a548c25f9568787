import { NestFactory } from '@nestjs/core';
import { OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { ERROR_STATUS, ErrorCode } from './common/errors';
import { loadConfig } from './config';
import { setupSwagger } from './swagger';

/** The document /docs-json serves, built in preview mode: no provider runs, nothing connects. */
async function openApiDocument(): Promise<OpenAPIObject> {
  const config = loadConfig({ ENV_FILE: '/nonexistent', JWT_SECRET: 's'.repeat(40), ADMIN_API_KEY: 'k'.repeat(40) });
  const app = await NestFactory.create(AppModule.forRoot(config), { preview: true, logger: false });
  let document: OpenAPIObject | undefined;
  const setup = jest.spyOn(SwaggerModule, 'setup').mockImplementation((_path, _app, doc) => {
    document = doc as OpenAPIObject;
  });
  setupSwagger(app);
  setup.mockRestore();
  await app.close();
  return document!;
}

interface ErrorExample {
  value: { statusCode: number; code: ErrorCode };
}

describe('the OpenAPI document', () => {
  let document: OpenAPIObject;
  beforeAll(async () => {
    document = await openApiDocument();
  }, 30_000);

  it('shows, for every error of every admin operation, examples of its own status and codes only', () => {
    let checked = 0;
    for (const [path, item] of Object.entries(document.paths)) {
      if (!path.startsWith('/admin/')) continue;
      for (const [method, op] of Object.entries(item as Record<string, { responses: Record<string, any> }>)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue;
          const where = `${method.toUpperCase()} ${path} ${status}`;
          const examples = Object.entries((response.content?.['application/json']?.examples ?? {}) as Record<string, ErrorExample>);
          expect({ where, examples: examples.length > 0 }).toEqual({ where, examples: true });
          for (const [name, { value }] of examples) {
            expect({ where, name, status: value.statusCode, codeStatus: ERROR_STATUS[value.code] }).toEqual({
              where,
              name: value.code,
              status: Number(status),
              codeStatus: Number(status),
            });
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('documents every user API operation under the tag "me" with the user-token scheme, its 401 (USER_DISABLED too) and 429, and every other error by its code', () => {
    const schemes = document.components?.securitySchemes as Record<string, { type: string; scheme: string }>;
    expect(schemes['user-token']).toMatchObject({ type: 'http', scheme: 'bearer' });
    const operations: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      if (!path.startsWith('/v1/me')) continue;
      for (const [method, op] of Object.entries(item as Record<string, { tags: string[]; security: unknown; summary?: string; responses: Record<string, any> }>)) {
        const where = `${method.toUpperCase()} ${path}`;
        operations.push(where);
        expect({ where, tags: op.tags, security: op.security, summary: Boolean(op.summary) }).toEqual({ where, tags: ['me'], security: [{ 'user-token': [] }], summary: true });
        expect({ where, unauthorized: Object.keys(op.responses['401'].content['application/json'].examples).sort() }).toEqual({ where, unauthorized: ['UNAUTHORIZED', 'USER_DISABLED'] });
        expect({ where, limited: Object.keys(op.responses['429']?.content['application/json'].examples ?? {}) }).toEqual({ where, limited: ['RATE_LIMITED'] });
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400 || status === '401') continue;
          for (const [name, { value }] of Object.entries((response.content['application/json'].examples ?? {}) as Record<string, ErrorExample>)) {
            expect({ where, name, status: ERROR_STATUS[value.code] }).toEqual({ where, name: value.code, status: Number(status) });
          }
        }
      }
    }
    expect(operations.sort()).toEqual(
      [
        'GET /v1/me',
        'POST /v1/me/token',
        'GET /v1/me/conversations',
        'GET /v1/me/conversations/{peer}/messages',
        'PUT /v1/me/conversations/{peer}/archive',
        'DELETE /v1/me/conversations/{peer}/archive',
        'GET /v1/me/groups',
        'POST /v1/me/groups',
        'GET /v1/me/groups/{groupId}',
        'PATCH /v1/me/groups/{groupId}',
        'POST /v1/me/groups/{groupId}/members',
        'DELETE /v1/me/groups/{groupId}/members/{userId}',
        'GET /v1/me/blocks',
        'PUT /v1/me/blocks/{userId}',
        'DELETE /v1/me/blocks/{userId}',
        'GET /v1/me/presence',
        'PUT /v1/me/presence',
        'POST /v1/me/presence/query',
        'GET /v1/me/connections',
        'DELETE /v1/me/connections/{connectionId}',
      ].sort(),
    );
  });

  it('has no example in the shared error schema, which every status would show', () => {
    const errorBody = document.components?.schemas?.ErrorBody as { properties: Record<string, { example?: unknown }> };
    for (const property of Object.values(errorBody.properties)) expect(property.example).toBeUndefined();
  });
});
