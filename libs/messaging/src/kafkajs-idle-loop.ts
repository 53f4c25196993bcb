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
 * Applied once, when @remit/messaging is loaded (kafka.ts), to every kafkajs client of the process.
 */
import { createRequire } from 'node:module';

interface RequestQueueLike {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: unknown;
  scheduleCheckPendingRequests(): void;
}

const PATCHED = Symbol.for('remit.kafkajs.idleLoopPatched');

/** Whether a queue in this state needs a scheduled check at all. */
export function needsPendingCheck(
  queue: Omit<RequestQueueLike, 'scheduleCheckPendingRequests'>,
  now: number,
): boolean {
  return queue.pending.length > 0 || queue.throttledUntil > now || Boolean(queue.throttleCheckTimeoutId);
}

/**
 * Wraps kafkajs' `RequestQueue.prototype.scheduleCheckPendingRequests` so that it returns at once when
 * there is nothing to check. Returns false (and changes nothing) when the class is not where kafkajs
 * 2.x keeps it or does not look as expected; true when the patch is (or already was) in place.
 */
export function patchKafkajsIdleLoop(): boolean {
  let RequestQueue: { prototype: RequestQueueLike & { [PATCHED]?: true } } | undefined;
  try {
    RequestQueue = createRequire(__filename)('kafkajs/src/network/requestQueue') as typeof RequestQueue;
  } catch {
    return false;
  }
  const prototype = RequestQueue?.prototype;
  if (!prototype || typeof prototype.scheduleCheckPendingRequests !== 'function') return false;
  if (prototype[PATCHED]) return true;
  const original = prototype.scheduleCheckPendingRequests;
  prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueLike) {
    if (Array.isArray(this.pending) && !needsPendingCheck(this, Date.now())) return;
    original.call(this);
  };
  prototype[PATCHED] = true;
  return true;
}
