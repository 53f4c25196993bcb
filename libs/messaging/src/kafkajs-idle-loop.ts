/**
 * kafkajs 2.2.4 spins on every broker connection: `RequestQueue.scheduleCheckPendingRequests`
 * re-arms a `setTimeout` with a negative delay (≈ 1 ms) whenever nothing is throttled, even when no
 * request waits, so each connection runs its check about a thousand times a second for its whole
 * life (tulios/kafkajs#1556, #1704; the fixes, #1667 and #1768, are unreleased). In Remit that was
 * most of an idle service's CPU (≈ 2 % of a core per consumer) and a share of every payment's CPU
 * (docs/performance.md). Nothing is lost by not scheduling the check when no request is pending and
 * no throttle is in force: `push` schedules it when a request has to wait, a response or a timeout
 * runs it, and a throttle still schedules it for when the throttle ends.
 *
 * The second patch here (`patchKafkajsRequestTimeoutCheck`, ADR 0024) slows the other loop of every
 * connection: the check for requests past their timeout, every 100 ms whether or not one is in flight.
 *
 * Applied once, when @remit/messaging is loaded (kafka.ts), to every kafkajs client of the process.
 */
import { createRequire } from 'node:module';

interface RequestQueueLike {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: unknown;
}

const PATCHED = Symbol.for('remit.kafkajs.idleLoopPatched');

/** Whether a queue in this state needs a scheduled check at all. */
export function needsPendingCheck(queue: RequestQueueLike, now: number): boolean {
  return queue.pending.length > 0 || queue.throttledUntil > now || Boolean(queue.throttleCheckTimeoutId);
}

/**
 * Wraps kafkajs' `RequestQueue.prototype.scheduleCheckPendingRequests` so that it returns at once when
 * there is nothing to check. Returns false (and changes nothing) when the class is not where kafkajs
 * 2.x keeps it or does not look as expected; true when the patch is (or already was) in place.
 */
export function patchKafkajsIdleLoop(): boolean {
  return patchRequestQueue<RequestQueueLike>(
    'scheduleCheckPendingRequests',
    PATCHED,
    (original) =>
      function scheduleCheckPendingRequests(this: RequestQueueLike) {
        if (Array.isArray(this.pending) && !needsPendingCheck(this, Date.now())) return;
        original.call(this);
      },
  );
}

/**
 * Replaces kafkajs' `RequestQueue.prototype[method]` with `wrap(original)`, once (`marker` marks it
 * done). False, and nothing changed, when the class is not where kafkajs 2.x keeps it or has no such
 * method.
 */
function patchRequestQueue<T>(
  method: string,
  marker: symbol,
  wrap: (original: (this: T) => void) => (this: T) => void,
): boolean {
  let prototype: Record<string | symbol, unknown> | undefined;
  try {
    const RequestQueue = createRequire(__filename)('kafkajs/src/network/requestQueue') as
      { prototype?: Record<string | symbol, unknown> } | undefined;
    prototype = RequestQueue?.prototype;
  } catch {
    return false;
  }
  const original = prototype?.[method];
  if (!prototype || typeof original !== 'function') return false;
  if (prototype[marker]) return true;
  prototype[method] = wrap(original as (this: T) => void);
  prototype[marker] = true;
  return true;
}

/** The longest period of the request-timeout check of a connection (kafkajs: 100 ms). */
export const REQUEST_TIMEOUT_CHECK_MAX_MS = 1_000;

/**
 * The period of a connection's request-timeout check: a tenth of its request timeout, at most
 * `REQUEST_TIMEOUT_CHECK_MAX_MS` and never shorter than kafkajs' own. A request past its timeout is
 * failed at most that much later: ≤ 1 s on Remit's 30 s timeout, ≤ 10 % on a short one (health probes).
 */
export function requestTimeoutCheckMs(requestTimeout: number, kafkajsMs: number): number {
  const tenth = Number.isFinite(requestTimeout)
    ? Math.floor(requestTimeout / 10)
    : REQUEST_TIMEOUT_CHECK_MAX_MS;
  return Math.max(kafkajsMs, Math.min(REQUEST_TIMEOUT_CHECK_MAX_MS, tenth));
}

const TIMEOUT_CHECK_PATCHED = Symbol.for('remit.kafkajs.requestTimeoutCheckPatched');

interface TimeoutCheckingQueue {
  requestTimeout: number;
}

/**
 * kafkajs 2.2.4 arms, on every broker connection, an interval of `min(requestTimeout, 100)` ms that
 * looks for in-flight requests past their timeout — ten wake-ups a second per connection for the
 * connection's whole life, idle or not: 50–120 callbacks a second in an idle Remit service, a fifth to
 * a third of what an idle set of clients costs (docs/performance.md, part 16). This runs kafkajs' own `scheduleRequestTimeoutCheck` with the
 * period stretched to `requestTimeoutCheckMs` (its `setInterval`, looked up when it runs, is given for
 * that one call a version that lengthens the period). Returns false (and changes nothing) when the
 * class is not where kafkajs 2.x keeps it; true when the patch is (or already was) in place.
 */
export function patchKafkajsRequestTimeoutCheck(): boolean {
  return patchRequestQueue<TimeoutCheckingQueue>(
    'scheduleRequestTimeoutCheck',
    TIMEOUT_CHECK_PATCHED,
    (original) =>
      function scheduleRequestTimeoutCheck(this: TimeoutCheckingQueue) {
        const armInterval = globalThis.setInterval;
        const requestTimeout = this.requestTimeout;
        globalThis.setInterval = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) =>
          armInterval(
            callback,
            requestTimeoutCheckMs(requestTimeout, Number(ms) || 0),
            ...args,
          )) as typeof setInterval;
        try {
          original.call(this);
        } finally {
          globalThis.setInterval = armInterval;
        }
      },
  );
}
