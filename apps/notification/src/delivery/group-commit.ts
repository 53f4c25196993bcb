/** One item waiting for its group's commit. */
interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Commits items in groups, one group at a time: an item added while no commit runs is committed at
 * once, alone; items added while one runs wait for it and are then committed together. Under load
 * many items share one transaction, at no added wait when idle (PostgreSQL's own group commit,
 * one level up). Each `add` settles with its own item's outcome: when a group fails, its items are
 * committed again one by one, so that one item that cannot commit fails alone.
 */
export class GroupCommit<T> {
  private waiting: Waiting<T>[] = [];
  private running = false;

  constructor(
    private readonly commit: (items: T[]) => Promise<void>,
    private readonly maxItems = 100,
  ) {
    if (!Number.isInteger(maxItems) || maxItems < 1) throw new Error('maxItems must be a positive integer');
  }

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
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
  private async settle(group: Waiting<T>[], final = false): Promise<boolean> {
    try {
      await this.commit(group.map((entry) => entry.item));
    } catch (error) {
      if (final || group.length === 1) for (const entry of group) entry.reject(error);
      return false;
    }
    for (const entry of group) entry.resolve();
    return true;
  }
}
