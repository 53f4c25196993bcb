import { FixedClock } from './clock';
import { PlatformClock, TEST_CLOCK_KEY, type ClockStore } from './platform-clock';
import { TestClockController } from './test-clock.controller';

/** An in-memory stand-in for the three Redis commands the clock uses. */
class MemoryStore {
  readonly values = new Map<string, string>();
  get(key: string): Promise<string | null> {
    return Promise.resolve(this.values.get(key) ?? null);
  }
  set(key: string, value: string): Promise<'OK'> {
    this.values.set(key, value);
    return Promise.resolve('OK');
  }
  del(key: string): Promise<number> {
    return Promise.resolve(this.values.delete(key) ? 1 : 0);
  }
}

function clockWith(options: { testClockEnabled?: boolean; remitNow?: string } = {}) {
  const store = new MemoryStore();
  const clock = new PlatformClock(store as unknown as ClockStore, {
    testClockEnabled: options.testClockEnabled ?? true,
    remitNow: options.remitNow,
  });
  return { store, clock };
}

const near = (iso: string) => Math.abs(new Date(iso).getTime() - Date.now()) < 5000;

describe(PlatformClock.name, () => {
  it('runs in real time while no instant is set', async () => {
    const { clock } = clockWith();
    const state = await clock.get();
    expect(state.frozen).toBe(false);
    expect(near(state.now)).toBe(true);
  });

  it('stands still at a set instant, shared through the store, until reset', async () => {
    const { clock, store } = clockWith();
    await expect(clock.set(new Date('2026-11-23T15:00:00Z'))).resolves.toEqual({
      now: '2026-11-23T15:00:00.000Z',
      frozen: true,
    });
    expect(store.values.get(TEST_CLOCK_KEY)).toBe('2026-11-23T15:00:00.000Z');
    expect((await clock.now()).toISOString()).toBe('2026-11-23T15:00:00.000Z');
    expect((await clock.now()).toISOString()).toBe('2026-11-23T15:00:00.000Z');

    const other = new PlatformClock(store as unknown as ClockStore, { testClockEnabled: true });
    expect(await other.get()).toEqual({ now: '2026-11-23T15:00:00.000Z', frozen: true });

    expect((await clock.reset()).frozen).toBe(false);
    expect(near((await other.now()).toISOString())).toBe(true);
  });

  it('writes REMIT_NOW at start', async () => {
    const { clock, store } = clockWith({ remitNow: '2026-11-25T12:00:00.000Z' });
    await clock.onModuleInit();
    expect(store.values.get(TEST_CLOCK_KEY)).toBe('2026-11-25T12:00:00.000Z');
  });

  it('ignores the store in production', async () => {
    const { clock, store } = clockWith({ testClockEnabled: false, remitNow: '2026-11-25T12:00:00.000Z' });
    store.values.set(TEST_CLOCK_KEY, '2000-01-01T00:00:00.000Z');
    await clock.onModuleInit();
    expect(store.values.get(TEST_CLOCK_KEY)).toBe('2000-01-01T00:00:00.000Z');
    expect(near((await clock.now()).toISOString())).toBe(true);
    await expect(clock.set(new Date())).rejects.toThrow(/production/);
    await expect(clock.reset()).rejects.toThrow(/production/);
  });

  it('refuses a corrupt stored instant rather than falling back to real time', async () => {
    const { clock, store } = clockWith();
    store.values.set(TEST_CLOCK_KEY, 'tomorrow');
    await expect(clock.now()).rejects.toThrow(/no valid instant/);
  });
});

describe(TestClockController.name, () => {
  it('sets, reads and resets', async () => {
    const { clock } = clockWith();
    const controller = new TestClockController(clock);
    await expect(controller.set({ now: '2026-11-23T10:00:00-05:00' })).resolves.toEqual({
      now: '2026-11-23T15:00:00.000Z',
      frozen: true,
    });
    await expect(controller.get()).resolves.toEqual({ now: '2026-11-23T15:00:00.000Z', frozen: true });
    await expect(controller.reset()).resolves.toMatchObject({ frozen: false });
  });

  it.each([
    ['no body', undefined],
    ['no now', {}],
    ['a date only', { now: '2026-11-23' }],
    ['no zone', { now: '2026-11-23T10:00:00' }],
    ['a number', { now: 1764000000000 }],
    ['words', { now: 'next tuesday' }],
  ])('refuses %s with 400 on the field now', (_case, body) => {
    const controller = new TestClockController(clockWith().clock);
    expect(() => controller.set(body)).toThrow(
      expect.objectContaining({
        status: 400,
        code: 'VALIDATION_FAILED',
        details: [expect.objectContaining({ field: 'now' })],
      }),
    );
  });

  it('answers 404 in production', () => {
    const controller = new TestClockController(clockWith({ testClockEnabled: false }).clock);
    expect(() => controller.get()).toThrow(expect.objectContaining({ status: 404 }));
  });
});

describe(FixedClock.name, () => {
  it('stands still, and moves only when told', async () => {
    const clock = new FixedClock('2026-11-23T15:00:00Z');
    expect((await clock.now()).toISOString()).toBe('2026-11-23T15:00:00.000Z');
    clock.advance(60_000);
    expect((await clock.now()).toISOString()).toBe('2026-11-23T15:01:00.000Z');
    clock.set('2026-12-01T00:00:00Z');
    const now = await clock.now();
    now.setFullYear(1999);
    expect((await clock.now()).toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });
});
