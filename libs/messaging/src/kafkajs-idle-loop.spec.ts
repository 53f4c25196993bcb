import { createRequire } from 'node:module';
import {
  needsPendingCheck,
  patchKafkajsIdleLoop,
  patchKafkajsRequestTimeoutCheck,
  requestTimeoutCheckMs,
} from './kafkajs-idle-loop';

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
/** A real kafkajs queue, as a connection makes it, with `options` over the defaults. */
const newQueue = <T = Queue>(options: Record<string, unknown> = {}): T =>
  new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'idle-loop-spec',
    broker: '127.0.0.1:9092',
    logger: silent,
    ...options,
  }) as unknown as T;

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

interface TimingQueue {
  inflight: Map<number, { sentAt: number; requestTimeout: number; timeoutRequest: () => void }>;
  scheduleRequestTimeoutCheck(): void;
  destroy(): void;
}

describe('the kafkajs request-timeout check patch', () => {
  beforeAll(() => expect(patchKafkajsRequestTimeoutCheck()).toBe(true));
  afterEach(() => jest.useRealTimers());

  /** A real kafkajs queue that enforces request timeouts; `checks` counts its timeout checks. */
  function timingQueue(
    requestTimeout: number,
    connected = () => true,
  ): { queue: TimingQueue; checks: () => number } {
    let checks = 0;
    const queue = newQueue<TimingQueue>({
      requestTimeout,
      enforceRequestTimeout: true,
      isConnected: () => {
        checks += 1;
        return connected();
      },
    });
    return { queue, checks: () => checks };
  }

  it('checks a connection once a second on a 30 s request timeout (kafkajs: ten times)', () => {
    jest.useFakeTimers();
    const { queue, checks } = timingQueue(30_000);
    queue.scheduleRequestTimeoutCheck();
    jest.advanceTimersByTime(10_000);
    expect(checks()).toBe(10);
    queue.destroy();
  });

  it('still fails a request past its timeout, at most a period late', () => {
    jest.useFakeTimers();
    const { queue } = timingQueue(30_000);
    // As kafkajs' own request does, a timed-out request leaves the in-flight map.
    const timeoutRequest = jest.fn(() => queue.inflight.delete(1));
    queue.scheduleRequestTimeoutCheck();
    queue.inflight.set(1, { sentAt: Date.now(), requestTimeout: 30_000, timeoutRequest });
    jest.advanceTimersByTime(30_000);
    expect(timeoutRequest).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1_000);
    expect(timeoutRequest).toHaveBeenCalledTimes(1);
    queue.destroy();
  });

  it('stops checking a connection that is gone, as kafkajs does', () => {
    jest.useFakeTimers();
    let connected = true;
    const { queue, checks } = timingQueue(30_000, () => connected);
    queue.scheduleRequestTimeoutCheck();
    jest.advanceTimersByTime(1_000);
    connected = false;
    jest.advanceTimersByTime(5_000);
    expect(checks()).toBe(2);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('leaves the global setInterval as it found it', () => {
    const before = globalThis.setInterval;
    const { queue } = timingQueue(30_000);
    queue.scheduleRequestTimeoutCheck();
    queue.destroy();
    expect(globalThis.setInterval).toBe(before);
  });

  it('is applied once however often it is called', () => {
    const prototype = (RequestQueue as unknown as { prototype: TimingQueue }).prototype;
    const before = prototype.scheduleRequestTimeoutCheck;
    expect(patchKafkajsRequestTimeoutCheck()).toBe(true);
    expect(prototype.scheduleRequestTimeoutCheck).toBe(before);
  });

  it("stretches the period to a tenth of the request timeout, at most 1 s, never below kafkajs' own", () => {
    expect(requestTimeoutCheckMs(30_000, 100)).toBe(1_000);
    expect(requestTimeoutCheckMs(2_000, 100)).toBe(200);
    expect(requestTimeoutCheckMs(500, 100)).toBe(100);
    expect(requestTimeoutCheckMs(50, 50)).toBe(50);
    expect(requestTimeoutCheckMs(Number.POSITIVE_INFINITY, 100)).toBe(1_000);
  });
});
