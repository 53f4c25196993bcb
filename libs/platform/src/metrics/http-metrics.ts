import { performance } from 'node:perf_hooks';
import type { NextFunction, Request, Response } from 'express';
import { Histogram, type Registry } from 'prom-client';

/** Seconds: a fast API answers in milliseconds; 2.5 s and above is an incident. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The `route` label of a request no route answered (404s, static files such as /docs). */
export const UNMATCHED_ROUTE = 'unmatched';

/** The `status` label of a request whose client went away before the answer was sent. */
export const ABORTED_STATUS = 'aborted';

/** Routes not measured: the scrape itself would only measure the scraper. */
const UNMEASURED_ROUTES = new Set(['/metrics']);

/**
 * The route template that answered (`/v1/payments/:paymentId`), never the URL: ids in a label
 * would make a series per payment (unbounded) and put customer ids in the metrics. Express keeps
 * in `request.route` the last route that matched. Nest mounts middleware applied `forRoutes('*')`
 * (nestjs-pino's) as a catch-all route, `{/*splat}`, which is all a request no controller answered
 * (a 404) has matched: a template with a wildcard is therefore unmatched. Remit's controllers
 * declare no wildcard routes.
 */
export function routeTemplate(request: Pick<Request, 'baseUrl'> & { route?: unknown }): string {
  const route = request.route;
  if (typeof route !== 'object' || route === null || !('path' in route)) return UNMATCHED_ROUTE;
  const path = route.path;
  // Express allows RegExp and array paths; Nest registers strings only.
  if (typeof path !== 'string' || path.includes('*')) return UNMATCHED_ROUTE;
  return `${request.baseUrl ?? ''}${path}`;
}

/**
 * `remit_http_request_duration_seconds{method,route,status}`: from the first middleware to the last
 * byte written (or the client's leaving), auth failures and body-parser errors included. The
 * labels are a bounded set: route templates, the methods Node parses, status codes.
 */
export class HttpMetrics {
  private readonly duration: Histogram<'method' | 'route' | 'status'>;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: 'remit_http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status code, from the first middleware to the end of the answer',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_DURATION_BUCKETS,
      registers: [registry],
    });
  }

  /** Express middleware; install it first (`app.use`). Costs a clock read and one `observe`. */
  readonly middleware = (request: Request, response: Response, next: NextFunction): void => {
    const started = performance.now();
    response.once('close', () => {
      const route = routeTemplate(request);
      if (UNMEASURED_ROUTES.has(route)) return;
      this.duration.observe(
        {
          method: request.method,
          route,
          status: response.writableFinished ? String(response.statusCode) : ABORTED_STATUS,
        },
        (performance.now() - started) / 1000,
      );
    });
    next();
  };
}
