/** One item waiting for its group's commit. */
interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/** How a group forms (`GroupCommit`). */
export interface GroupCommitOptions {
  /** Most items in one commit. */
  maxItems?: number;
  /**
   * How many items are on their way (their `add` not called yet, or called and waiting): a group is
   * held open while fewer than these have arrived, at most `holdMs`. Nothing held without it.
   */
  coming?: () => number;
  /** The longest a group is held open for items still coming. */
  holdMs?: number;
}

/**
 * Commits items in groups, one group at a time: an item added while no commit runs is committed
 * together with the items still coming (`coming`, waited for at most `holdMs`), or at once and alone
 * when none is; items added while one runs wait for it and are then committed together. Under load
 * many items share one transaction, at no added wait when idle (PostgreSQL's own group commit,
 * one level up). Each `add` settles with its own item's outcome — the commit's result for it when the
 * commit returns one per item (a claim returning what it claimed) — and when a group fails, its
 * items are committed again one by one, so that one item that cannot commit fails alone.
 */
export class GroupCommit<T, R = void> {
  private waiting: Waiting<T, R>[] = [];
  private running = false;
  private readonly maxItems: number;
  private readonly coming: () => number;
  private readonly holdMs: number;
  /** Ends the hold early (an item arrived). */
  private arrived: (() => void) | undefined;

  constructor(
    /** Commits the items; may return one result per item, in their order. */
    private readonly commit: (items: T[]) => Promise<R[] | void>,
    options: GroupCommitOptions = {},
  ) {
    this.maxItems = options.maxItems ?? 100;
    this.coming = options.coming ?? (() => 0);
    this.holdMs = options.holdMs ?? 0;
    if (!Number.isInteger(this.maxItems) || this.maxItems < 1) {
      throw new Error('maxItems must be a positive integer');
    }
  }

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.arrived?.();
      if (!this.running) void this.drain();
    });
  }

  /** Waits, at most `holdMs`, until every item still coming has arrived (or a group is full). */
  private async gather(): Promise<void> {
    const until = Date.now() + this.holdMs;
    while (this.waiting.length < Math.min(this.maxItems, this.coming())) {
      const left = until - Date.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.arrived = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.arrived = undefined;
    }
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        if (this.holdMs > 0) await this.gather();
        const group = this.waiting.splice(0, this.maxItems);
        if (await this.settle(group)) continue;
        if (group.length === 1) continue;
        for (const entry of group) await this.settle([entry], true);
      }
    } finally {
      this.running = false;
    }
  }

  /** Commits `group`; true if it committed. A failure rejects its items only when `final` or alone. */
  private async settle(group: Waiting<T, R>[], final = false): Promise<boolean> {
    let results: R[] | void;
    try {
      results = await this.commit(group.map((entry) => entry.item));
    } catch (error) {
      if (final || group.length === 1) for (const entry of group) entry.reject(error);
      return false;
    }
    group.forEach((entry, index) => entry.resolve(results ? results[index] : (undefined as R)));
    return true;
  }
}
