import type { INestApplication } from '@nestjs/common';
import { createTestingApp } from '@remit/platform';
import { PaymentCommandsConsumer } from '../src/commands/payment-commands.consumer';
import { PaymentIntakeModule } from '../src/payment-intake.module';

/** /docs: every route with request and response schemas generated from the zod schemas, with examples. */
describe('payment-intake OpenAPI document', () => {
  let app: INestApplication;
  let document: any;

  beforeAll(async () => {
    let url: string;
    ({ app, url } = await createTestingApp(PaymentIntakeModule));
    const response = await fetch(`${url}/docs-json`);
    expect(response.status).toBe(200);
    document = await response.json();
  });

  afterAll(async () => {
    // Closing before the consumers have joined their groups only makes kafkajs noisy.
    await app?.get(PaymentCommandsConsumer).ready;
    await app?.close();
  });

  it('describes POST /v1/payments: every method, an example of each, the 201 body and the errors', () => {
    const post = document.paths['/v1/payments'].post;
    const body = post.requestBody.content['application/json'];
    expect(body.schema.required).toEqual(expect.arrayContaining(['customerId', 'invoices', 'method']));
    const methods = body.schema.properties.method.oneOf.map(
      (variant: { properties: { type: { enum: string[] } } }) => variant.properties.type.enum[0],
    );
    expect(methods.sort()).toEqual(['ach', 'card', 'check', 'saved', 'wire']);
    expect(Object.keys(body.examples).sort()).toEqual(['ach', 'card', 'check', 'saved', 'wire']);
    const created = post.responses['201'].content['application/json'];
    expect(created.schema.required).toEqual(
      expect.arrayContaining(['paymentId', 'status', 'amountCents', 'expectedPostingDate', 'notice']),
    );
    expect(created.example.notice).toMatch(/2 business days/);
    for (const status of ['400', '409', '422']) {
      expect(post.responses[status].content['application/json'].schema.properties.error).toBeDefined();
    }
  });

  it('describes cancel, saved methods and autopay', () => {
    expect(document.paths['/v1/payments/{paymentId}/cancel'].post.responses['409']).toBeDefined();
    const methods = document.paths['/v1/customers/{customerId}/payment-methods'];
    expect(methods.post.requestBody.content['application/json'].schema.properties).toHaveProperty(
      'routingNumber',
    );
    expect(methods.get.responses['200'].content['application/json'].schema.type).toBe('array');
    expect(
      document.paths['/v1/customers/{customerId}/payment-methods/{paymentMethodId}'].delete,
    ).toBeDefined();
    const autopay = document.paths['/v1/customers/{customerId}/autopay'];
    expect(Object.keys(autopay).sort()).toEqual(['delete', 'get', 'put']);
  });
});
