import type { INestApplication } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { createTestingApp, loadConfig } from '@remit/platform';
import { call, ensureProbeSchema, probeModule, tokens } from './support/probe-app';

/** This environment as a deploy would see it with NODE_ENV unset: production, with real secrets. */
function unsetNodeEnv(overrides: Record<string, string> = {}) {
  return loadConfig({
    ...process.env,
    NODE_ENV: undefined,
    REMIT_NOW: undefined,
    AUTH_JWT_SECRET: 'an-integration-test-production-secret-0123456789',
    PAYMENT_DATA_KEY: Buffer.alloc(32, 'p').toString('base64'),
    IDEMPOTENCY_HMAC_KEY: Buffer.alloc(32, 'h').toString('base64'),
    ...overrides,
  });
}

/** The HTTP edge every service shares: auth, the error envelope, body parsing, docs. */
describe('platform HTTP edge', () => {
  const config = loadConfig();
  const token = tokens(config);
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    await ensureProbeSchema(config);
    ({ app, url } = await createTestingApp(probeModule(config)));
  });

  afterAll(async () => {
    await app?.close();
  });

  const goodThing = { name: 'n', invoices: [{ invoiceId: 'i1', amountCents: 100 }] };

  function expectEnvelope(body: unknown, code: string) {
    expect(body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Array) } });
  }

  describe('auth', () => {
    it('answers 401 UNAUTHENTICATED without a token', async () => {
      const reply = await call(url, 'GET', '/v1/probe/whoami');
      expect(reply.status).toBe(401);
      expectEnvelope(reply.body, 'UNAUTHENTICATED');
      expect(reply.body.error.details).toEqual([]);
      expect(reply.headers.get('www-authenticate')).toBe('Bearer');
    });

    it('answers 401 for a token without exp, or living longer than the cap', async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = { sub: 'ops-int', role: 'ops', customers: [] };
      for (const [payload, message] of [
        [claims, /no expiry/],
        [{ ...claims, iat: now, exp: now + config.auth.maxLifetimeSeconds + 60 }, /lifetime exceeds/],
      ] as const) {
        const token = jwt.sign(payload, config.authJwtSecret, { algorithm: 'HS256' });
        const reply = await call(url, 'GET', '/v1/probe/whoami', { token });
        expect(reply.status).toBe(401);
        expectEnvelope(reply.body, 'UNAUTHENTICATED');
        expect(reply.body.error.message).toMatch(message);
      }
    });

    it('answers 401 for a token signed with another secret', async () => {
      const forged = tokens({ ...config, authJwtSecret: 'not-the-secret-of-this-platform-0123' }).ops;
      const reply = await call(url, 'GET', '/v1/probe/whoami', { token: forged });
      expect(reply.status).toBe(401);
      expectEnvelope(reply.body, 'UNAUTHENTICATED');
    });

    it('gives the handler the verified principal', async () => {
      const reply = await call(url, 'GET', '/v1/probe/whoami', { token: token.customer });
      expect(reply).toMatchObject({
        status: 200,
        body: { sub: 'user-int', role: 'customer', customers: ['cust-a'] },
      });
    });

    it('answers 403 FORBIDDEN to a customer on an ops route', async () => {
      const reply = await call(url, 'GET', '/v1/probe/ops-only', { token: token.customer });
      expect(reply.status).toBe(403);
      expectEnvelope(reply.body, 'FORBIDDEN');
      expect((await call(url, 'GET', '/v1/probe/ops-only', { token: token.ops })).status).toBe(200);
    });

    it('answers 403 AUTH.CUSTOMER_FORBIDDEN for another customer, and lets ops act for anyone', async () => {
      const other = await call(url, 'POST', '/v1/probe/customers/cust-b/things', {
        token: token.customer,
        json: goodThing,
      });
      expect(other.status).toBe(403);
      expectEnvelope(other.body, 'AUTH.CUSTOMER_FORBIDDEN');

      const own = await call(url, 'POST', '/v1/probe/customers/cust-a/things', {
        token: token.customer,
        json: goodThing,
      });
      expect(own).toMatchObject({ status: 201, body: { customerId: 'cust-a', by: 'user-int' } });
      const ops = await call(url, 'POST', '/v1/probe/customers/cust-b/things', {
        token: token.ops,
        json: goodThing,
      });
      expect(ops.status).toBe(201);
    });

    it('leaves @Public routes open', async () => {
      expect((await call(url, 'GET', '/v1/probe/now')).status).toBe(200);
    });
  });

  describe('error envelope', () => {
    it('renders a validation error with dotted fields and zod codes', async () => {
      const reply = await call(url, 'POST', '/v1/probe/customers/cust-a/things', {
        token: token.customer,
        json: { name: '', invoices: [{ invoiceId: 'i1', amountCents: 1.5 }], extra: true },
      });
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({
        error: {
          code: 'VALIDATION_FAILED',
          message: expect.any(String),
          details: expect.arrayContaining([
            { field: 'name', code: 'too_small', message: expect.any(String) },
            { field: 'invoices.0.amountCents', code: 'invalid_type', message: expect.any(String) },
            { field: 'extra', code: 'unrecognized_keys', message: expect.any(String) },
          ]),
        },
      });
      expect(reply.body.error.details).toHaveLength(3);
    });

    it('renders an unknown route as 404 NOT_FOUND, with or without a token', async () => {
      for (const options of [{}, { token: token.ops }]) {
        const reply = await call(url, 'GET', '/v1/no-such-route', options);
        expect(reply.status).toBe(404);
        expect(reply.body).toEqual({
          error: { code: 'NOT_FOUND', message: expect.any(String), details: [] },
        });
      }
    });

    it('renders malformed JSON as 400 MALFORMED_JSON without echoing the body', async () => {
      const reply = await call(url, 'POST', '/v1/probe/json', {
        token: token.ops,
        raw: '{"accountNumber":"000123456789",',
      });
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({
        error: { code: 'MALFORMED_JSON', message: expect.any(String), details: [] },
      });
      expect(JSON.stringify(reply.body)).not.toContain('000123456789');
    });

    it('renders a domain error as 422 with its code and field', async () => {
      const reply = await call(url, 'POST', '/v1/probe/domain-error', { token: token.ops });
      expect(reply.status).toBe(422);
      expect(reply.body).toEqual({
        error: {
          code: 'ALLOCATION.EXCEEDS_AMOUNT_DUE',
          message: 'the amount exceeds what is due',
          details: [
            {
              field: 'invoices.0.amountCents',
              code: 'ALLOCATION.EXCEEDS_AMOUNT_DUE',
              message: 'the amount exceeds what is due',
            },
          ],
        },
      });
    });

    it('hides an unexpected error behind 500 INTERNAL', async () => {
      const reply = await call(url, 'GET', '/v1/probe/crash', { token: token.ops });
      expect(reply.status).toBe(500);
      expect(reply.body).toEqual({
        error: { code: 'INTERNAL', message: 'an unexpected error occurred', details: [] },
      });
    });
  });

  describe('bodies', () => {
    it('takes JSON up to about 1 MB and refuses more with 413', async () => {
      const small = await call(url, 'POST', '/v1/probe/json', {
        token: token.ops,
        json: { data: 'x'.repeat(900_000) },
      });
      expect(small.status).toBe(201);
      const large = await call(url, 'POST', '/v1/probe/json', {
        token: token.ops,
        json: { data: 'x'.repeat(1_100_000) },
      });
      expect(large.status).toBe(413);
      expect(large.body).toEqual({
        error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String), details: [] },
      });
    });

    it('takes text/plain (a NACHA file) up to 5 MB', async () => {
      const file = '1'.repeat(94) + '\n';
      const reply = await call(url, 'POST', '/v1/probe/text', {
        token: token.ops,
        raw: file.repeat(40_000),
        contentType: 'text/plain',
      });
      expect(reply).toMatchObject({ status: 201, body: { type: 'string', length: 95 * 40_000 } });
    });
  });

  describe('operations', () => {
    it('serves OpenAPI at /docs without a token', async () => {
      const page = await call(url, 'GET', '/docs');
      expect(page.status).toBe(200);
      const document = await call(url, 'GET', '/docs-json');
      expect(document.status).toBe(200);
      expect(Object.keys(document.body.paths)).toEqual(expect.arrayContaining(['/health', '/v1/test/clock']));
    });

    it('with NODE_ENV unset (production) serves neither /docs nor the test clock, and verifies its own secret', async () => {
      const production = unsetNodeEnv();
      expect(production).toMatchObject({
        nodeEnv: 'production',
        docsEnabled: false,
        testClockEnabled: false,
      });
      const started = await createTestingApp(probeModule(production));
      try {
        const ops = tokens(production).ops;
        for (const path of ['/docs', '/docs-json']) {
          const reply = await call(started.url, 'GET', path);
          expect(reply.status).toBe(404);
          expectEnvelope(reply.body, 'NOT_FOUND');
        }
        for (const method of ['GET', 'PUT', 'DELETE']) {
          const reply = await call(started.url, method, '/v1/test/clock', { token: ops });
          expect(reply.status).toBe(404);
        }
        expect((await call(started.url, 'GET', '/v1/probe/whoami', { token: ops })).status).toBe(200);
        // A token of the development secret means nothing there.
        expect((await call(started.url, 'GET', '/v1/probe/whoami', { token: token.ops })).status).toBe(401);
        expect((await call(started.url, 'GET', '/health/live')).status).toBe(200);
      } finally {
        await started.app.close();
      }
    });

    it('serves /docs in production when DOCS_ENABLED asks for it', async () => {
      const started = await createTestingApp(probeModule(unsetNodeEnv({ DOCS_ENABLED: 'true' })));
      try {
        const document = await call(started.url, 'GET', '/docs-json');
        expect(document.status).toBe(200);
        expect(Object.keys(document.body.paths)).toEqual(
          expect.arrayContaining(['/health', '/health/live', '/health/ready']),
        );
        expect(Object.keys(document.body.paths)).not.toContain('/v1/test/clock');
      } finally {
        await started.app.close();
      }
    });

    it('echoes a caller request id and makes one up otherwise', async () => {
      const given = await call(url, 'GET', '/v1/probe/now', { headers: { 'x-request-id': 'req-123' } });
      expect(given.headers.get('x-request-id')).toBe('req-123');
      const correlated = await call(url, 'GET', '/v1/probe/now', {
        headers: { 'x-correlation-id': 'corr-9' },
      });
      expect(correlated.headers.get('x-request-id')).toBe('corr-9');
      const made = await call(url, 'GET', '/v1/probe/now');
      expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });
  });
});
