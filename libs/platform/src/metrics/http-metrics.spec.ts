import { EventEmitter } from 'node:events';
import type { NextFunction, Request, Response } from 'express';
import { Registry } from 'prom-client';
import { ABORTED_STATUS, HttpMetrics, routeTemplate, UNMATCHED_ROUTE } from './http-metrics';

describe(routeTemplate.name, () => {
  it.each([
    [
      'a controller route',
      { baseUrl: '', route: { path: '/v1/payments/:paymentId' } },
      '/v1/payments/:paymentId',
    ],
    ['a route of a mounted router', { baseUrl: '/v1', route: { path: '/ledger' } }, '/v1/ledger'],
    ['no route (a static file, an early error)', { baseUrl: '' }, UNMATCHED_ROUTE],
    [
      "Nest's catch-all of forRoutes('*') middleware (a 404)",
      { baseUrl: '', route: { path: '{/*splat}' } },
      UNMATCHED_ROUTE,
    ],
    ['a RegExp route', { baseUrl: '', route: { path: /^\/x/ } }, UNMATCHED_ROUTE],
  ])('%s', (_case, request, expected) => {
    expect(routeTemplate(request as unknown as Request)).toBe(expected);
  });
});

describe(HttpMetrics.name, () => {
  /** A request through the middleware: `route` is what Express matched, `finished` whether the answer went out. */
  async function handle(
    registry: Registry,
    metrics: HttpMetrics,
    options: { method?: string; route?: string; status?: number; finished?: boolean },
  ): Promise<string[]> {
    const request = { method: options.method ?? 'GET', baseUrl: '' } as Request & { route?: unknown };
    const response = Object.assign(new EventEmitter(), {
      statusCode: options.status ?? 200,
      writableFinished: options.finished ?? true,
    }) as unknown as Response;
    const next = jest.fn() as NextFunction;
    metrics.middleware(request, response, next);
    expect(next).toHaveBeenCalledTimes(1);
    if (options.route) request.route = { path: options.route };
    response.emit('close');
    const text = await registry.metrics();
    return text.split('\n').filter((line) => line.startsWith('remit_http_request_duration_seconds_count'));
  }

  it('observes the duration by method, route template and status', async () => {
    const registry = new Registry();
    const metrics = new HttpMetrics(registry);
    await handle(registry, metrics, { route: '/v1/payments/:paymentId', status: 200 });
    const counts = await handle(registry, metrics, { method: 'POST', route: '/v1/payments', status: 201 });
    expect(counts).toEqual([
      'remit_http_request_duration_seconds_count{method="GET",route="/v1/payments/:paymentId",status="200"} 1',
      'remit_http_request_duration_seconds_count{method="POST",route="/v1/payments",status="201"} 1',
    ]);
  });

  it('labels a request whose client left before the answer as aborted', async () => {
    const registry = new Registry();
    const counts = await handle(registry, new HttpMetrics(registry), {
      route: '/v1/ledger/verify',
      finished: false,
    });
    expect(counts).toEqual([
      `remit_http_request_duration_seconds_count{method="GET",route="/v1/ledger/verify",status="${ABORTED_STATUS}"} 1`,
    ]);
  });

  it('does not measure the scrape itself', async () => {
    const registry = new Registry();
    expect(await handle(registry, new HttpMetrics(registry), { route: '/metrics' })).toEqual([]);
  });
});
