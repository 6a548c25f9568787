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

  it('has no example in the shared error schema, which every status would show', () => {
    const errorBody = document.components?.schemas?.ErrorBody as { properties: Record<string, { example?: unknown }> };
    for (const property of Object.values(errorBody.properties)) expect(property.example).toBeUndefined();
  });
});
