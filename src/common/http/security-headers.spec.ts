import { Controller, Get, INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { useSecurityHeaders } from './security-headers';

@Controller()
class PingController {
  @Get('ping')
  ping(): { ok: boolean } {
    return { ok: true };
  }
}

/** The CSP as a map of directive -> sources. */
function policy(header: string | null): Map<string, string[]> {
  return new Map(
    (header ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name, sources]),
  );
}

describe('useSecurityHeaders', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [PingController] }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ logger: false, forceCloseConnections: true });
    useSecurityHeaders(app, ['ws://127.0.0.1:15675/ws']);
    SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, new DocumentBuilder().build()));
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(() => app.close());

  it('sends helmet headers and no x-powered-by, with a policy fit for plain HTTP', async () => {
    const res = await fetch(`${base}/ping`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('strict-transport-security')).toBeNull();
    const csp = policy(res.headers.get('content-security-policy'));
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.has('upgrade-insecure-requests')).toBe(false);
  });

  it("lets pages connect to the engine and to the broker's WebSocket origin only", async () => {
    const csp = policy((await fetch(`${base}/ping`)).headers.get('content-security-policy'));
    expect(csp.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:15675']);
    expect(csp.get('worker-src')).toEqual(["'self'", 'blob:']); // mqtt.js's timer worker
    expect(csp.get('script-src')).toEqual(["'self'"]);
  });

  it('lets the Swagger UI load: every script it needs is a same-origin file the policy allows', async () => {
    const page = await fetch(`${base}/docs`);
    expect(page.status).toBe(200);
    const csp = policy(page.headers.get('content-security-policy'));
    expect(csp.get('script-src')).toEqual(["'self'"]);
    const html = await page.text();
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(body.trim()).toBe(''); // an inline script would be blocked
      const src = /src=["']([^"']+)["']/.exec(attrs)?.[1] ?? '';
      const url = new URL(src, page.url); // as the browser resolves it
      expect(url.origin).toBe(new URL(base).origin);
      const file = await fetch(url);
      expect(file.status).toBe(200);
      await file.arrayBuffer();
    }
  });
});
