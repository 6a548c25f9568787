import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** OpenAPI 3 document (schemas come from the @nestjs/swagger CLI plugin): UI at /docs, JSON at /docs-json. */
export function setupSwagger(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('messaging-engine admin API')
      .setDescription('Users, blocks, conversations, broker tokens and health of the messaging engine.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Admin API key or admin JWT' }, 'admin')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerOptions: { persistAuthorization: true } });
}
