import type { DeliverNotificationService, AttemptResult } from './deliver-notification.service';
import { DeliveryDispatcher, FIRST_ATTEMPTS_WAITING_MAX } from './delivery-dispatcher';
import { DELIVERY_CONCURRENCY } from './delivery-queue';
import type { DeliveryQueue, QueuedNotification } from './delivery-queue.service';

/** An attempt held until the test settles it. */
interface HeldAttempt {
  notificationId: string;
  settle(result: AttemptResult): void;
  fail(error: Error): void;
}

/** Deliveries whose attempts wait for the test, and a queue that records what it was given. */
function harness(queueFails = false) {
  const attempts: HeldAttempt[] = [];
  const calls: string[] = [];
  const deliveries = {
    attempt: (notificationId: string) =>
      new Promise<AttemptResult>((settle, fail) => attempts.push({ notificationId, settle, fail })),
  } as unknown as DeliverNotificationService;
  const record = (call: string): Promise<void> => {
    calls.push(call);
    return queueFails ? Promise.reject(new Error('redis down')) : Promise.resolve();
  };
  const jobs = {
    enqueue: (id: string, channel: string) => record(`enqueue ${id} ${channel}`),
    enqueueAll: (list: QueuedNotification[]) =>
      record(`enqueueAll ${list.map(({ notificationId }) => notificationId).join(',')}`),
    retryAfter: (id: string, channel: string, attemptsMade: number) =>
      record(`retryAfter ${id} ${channel} ${attemptsMade}`),
  } as unknown as DeliveryQueue;
  return { dispatcher: new DeliveryDispatcher(deliveries, jobs), attempts, calls };
}

function emails(count: number, prefix = 'n'): QueuedNotification[] {
  return Array.from({ length: count }, (_, index) => ({
    notificationId: `${prefix}${index + 1}`,
    channel: 'email' as const,
  }));
}

/** Lets the settled attempts' continuations run. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe(DeliveryDispatcher.name, () => {
  it(`attempts ${DELIVERY_CONCURRENCY} at a time, in order, and starts the next as one finishes`, async () => {
    const { dispatcher, attempts, calls } = harness();
    await dispatcher.dispatch(emails(DELIVERY_CONCURRENCY + 2));
    expect(attempts.map(({ notificationId }) => notificationId)).toEqual(
      emails(DELIVERY_CONCURRENCY).map(({ notificationId }) => notificationId),
    );
    expect(dispatcher.backlog).toEqual({ waiting: 2, running: DELIVERY_CONCURRENCY });
    attempts[0].settle({ outcome: 'sent' });
    await settled();
    expect(attempts.map(({ notificationId }) => notificationId)).toContain(`n${DELIVERY_CONCURRENCY + 1}`);
    expect(dispatcher.backlog).toEqual({ waiting: 1, running: DELIVERY_CONCURRENCY });
    // A sent, skipped or dead notification needs no job.
    attempts[1].settle({ outcome: 'skipped' });
    attempts[2].settle({ outcome: 'dead' });
    await settled();
    expect(calls).toEqual([]);
  });

  it('hands a failed first attempt to a job that retries after the attempts made', async () => {
    const { dispatcher, attempts, calls } = harness();
    await dispatcher.dispatch([{ notificationId: 'w1', channel: 'webhook' }]);
    attempts[0].settle({ failedAttempt: 1, error: new Error('503') });
    await settled();
    expect(calls).toEqual(['retryAfter w1 webhook 1']);
    expect(dispatcher.backlog).toEqual({ waiting: 0, running: 0 });
  });

  it('queues a job from the start when no attempt could be made', async () => {
    const { dispatcher, attempts, calls } = harness();
    await dispatcher.dispatch(emails(1));
    attempts[0].fail(new Error('connection refused'));
    await settled();
    expect(calls).toEqual(['enqueue n1 email']);
  });

  it('never rejects, even when Redis refuses the job too (the sweep finds the row)', async () => {
    const { dispatcher, attempts, calls } = harness(true);
    await dispatcher.dispatch(emails(1));
    attempts[0].settle({ failedAttempt: 2, error: new Error('smtp down') });
    await settled();
    // The retry is left to the sweep, not queued again from the start (that would skip its backoff).
    expect(calls).toEqual(['retryAfter n1 email 2']);
    expect(dispatcher.backlog).toEqual({ waiting: 0, running: 0 });
    await dispatcher.dispatch(emails(1, 'm'));
    attempts[1].fail(new Error('connection refused'));
    await settled();
    expect(calls).toEqual(['retryAfter n1 email 2', 'enqueue m1 email']);
    expect(dispatcher.backlog).toEqual({ waiting: 0, running: 0 });
  });

  it(`queues as jobs what does not fit in ${FIRST_ATTEMPTS_WAITING_MAX} waiting`, async () => {
    const { dispatcher, calls } = harness();
    const many = emails(FIRST_ATTEMPTS_WAITING_MAX + DELIVERY_CONCURRENCY + 2);
    await dispatcher.dispatch(many);
    expect(dispatcher.backlog).toEqual({
      waiting: FIRST_ATTEMPTS_WAITING_MAX,
      running: DELIVERY_CONCURRENCY,
    });
    const overflow = many.slice(-2).map(({ notificationId }) => notificationId);
    expect(calls).toEqual([`enqueueAll ${overflow.join(',')}`]);
  });

  it('when stopping, queues what waits as jobs, waits for the attempts under way, then takes nothing more', async () => {
    const { dispatcher, attempts, calls } = harness();
    await dispatcher.dispatch(emails(DELIVERY_CONCURRENCY + 2));
    let stopped = false;
    const stopping = dispatcher.beforeApplicationShutdown().then(() => (stopped = true));
    await settled();
    expect(calls).toEqual([`enqueueAll n${DELIVERY_CONCURRENCY + 1},n${DELIVERY_CONCURRENCY + 2}`]);
    expect(stopped).toBe(false);
    for (const attempt of attempts) attempt.settle({ outcome: 'sent' });
    await stopping;
    expect(attempts).toHaveLength(DELIVERY_CONCURRENCY);
    await dispatcher.dispatch(emails(1, 'late'));
    expect(calls).toEqual([
      `enqueueAll n${DELIVERY_CONCURRENCY + 1},n${DELIVERY_CONCURRENCY + 2}`,
      'enqueueAll late1',
    ]);
    expect(attempts).toHaveLength(DELIVERY_CONCURRENCY);
  });
});
