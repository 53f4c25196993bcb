import { createRequire } from 'node:module';
import { needsPendingCheck, patchKafkajsIdleLoop } from './kafkajs-idle-loop';

interface Queue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  scheduleCheckPendingRequests(): void;
  checkPendingRequests(): void;
}
type QueueClass = new (options: Record<string, unknown>) => Queue;

const RequestQueue = createRequire(__filename)('kafkajs/src/network/requestQueue') as QueueClass;
const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const newQueue = (): Queue =>
  new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'idle-loop-spec',
    broker: '127.0.0.1:9092',
    logger: silent,
  });

describe('the kafkajs idle-loop patch', () => {
  beforeAll(() => expect(patchKafkajsIdleLoop()).toBe(true));
  const queues: Queue[] = [];
  afterEach(() => {
    for (const queue of queues.splice(0)) clearTimeout(queue.throttleCheckTimeoutId ?? undefined);
  });

  it('schedules no check when nothing waits and nothing is throttled (kafkajs would re-arm a 1 ms timer)', () => {
    const queue = newQueue();
    queues.push(queue);
    queue.checkPendingRequests();
    queue.scheduleCheckPendingRequests();
    expect(queue.throttleCheckTimeoutId).toBeNull();
  });

  it('still schedules the check when a request waits', () => {
    const queue = newQueue();
    queues.push(queue);
    queue.pending.push({});
    queue.scheduleCheckPendingRequests();
    expect(queue.throttleCheckTimeoutId).not.toBeNull();
  });

  it('still schedules the check for the end of a throttle', () => {
    const queue = newQueue();
    queues.push(queue);
    queue.throttledUntil = Date.now() + 60_000;
    queue.scheduleCheckPendingRequests();
    expect(queue.throttleCheckTimeoutId).not.toBeNull();
  });

  it('is applied once however often it is called', () => {
    const before = RequestQueue.prototype.scheduleCheckPendingRequests;
    expect(patchKafkajsIdleLoop()).toBe(true);
    expect(RequestQueue.prototype.scheduleCheckPendingRequests).toBe(before);
  });

  it('needs a check exactly when a request waits, a throttle holds or a check is already armed', () => {
    const now = 1_000_000;
    const idle = { pending: [], throttledUntil: -1, throttleCheckTimeoutId: null };
    expect(needsPendingCheck(idle, now)).toBe(false);
    expect(needsPendingCheck({ ...idle, throttledUntil: now }, now)).toBe(false);
    expect(needsPendingCheck({ ...idle, pending: [{}] }, now)).toBe(true);
    expect(needsPendingCheck({ ...idle, throttledUntil: now + 1 }, now)).toBe(true);
    expect(needsPendingCheck({ ...idle, throttleCheckTimeoutId: 7 }, now)).toBe(true);
  });
});
