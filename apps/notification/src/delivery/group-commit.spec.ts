import { GroupCommit } from './group-commit';

/** A commit that records its groups and waits until `release()` before it settles. */
function gatedCommit(fails: (items: string[]) => boolean = () => false) {
  const groups: string[][] = [];
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  return {
    groups,
    hold(): void {
      gate = new Promise<void>((resolve) => (release = resolve));
    },
    release: () => release(),
    commit: async (items: string[]): Promise<void> => {
      groups.push(items);
      await gate;
      if (fails(items)) throw new Error(`refused ${items.join(',')}`);
    },
  };
}

describe(GroupCommit.name, () => {
  it('commits an item alone when nothing else is committing', async () => {
    const gated = gatedCommit();
    await new GroupCommit(gated.commit).add('a');
    expect(gated.groups).toEqual([['a']]);
  });

  it('commits the items that arrived during a commit together, in order, in the next one', async () => {
    const gated = gatedCommit();
    gated.hold();
    const group = new GroupCommit(gated.commit);
    const added = [group.add('a'), group.add('b'), group.add('c'), group.add('d')];
    gated.release();
    await Promise.all(added);
    expect(gated.groups).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('never puts more than maxItems in one commit', async () => {
    const gated = gatedCommit();
    gated.hold();
    const group = new GroupCommit(gated.commit, { maxItems: 2 });
    const added = ['a', 'b', 'c', 'd', 'e'].map((item) => group.add(item));
    gated.release();
    await Promise.all(added);
    expect(gated.groups).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });

  it('fails only the item that cannot commit: a failed group is committed again one by one', async () => {
    const gated = gatedCommit((items) => items.includes('bad'));
    gated.hold();
    const group = new GroupCommit(gated.commit);
    const first = group.add('a');
    const outcomes = Promise.allSettled([group.add('b'), group.add('bad'), group.add('c')]);
    gated.release();
    await first;
    expect((await outcomes).map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(gated.groups).toEqual([['a'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
  });

  it('rejects a lone item with the error of its commit, and keeps committing later items', async () => {
    const gated = gatedCommit((items) => items.includes('bad'));
    const group = new GroupCommit(gated.commit);
    await expect(group.add('bad')).rejects.toThrow('refused bad');
    await expect(group.add('good')).resolves.toBeUndefined();
  });

  it('holds a group open for the items still coming, until they arrive or holdMs has passed', async () => {
    jest.useFakeTimers();
    try {
      const gated = gatedCommit();
      let coming = 3;
      const group = new GroupCommit(gated.commit, { coming: () => coming, holdMs: 50 });
      const first = group.add('a');
      await jest.advanceTimersByTimeAsync(10);
      const second = group.add('b');
      await jest.advanceTimersByTimeAsync(10);
      expect(gated.groups).toEqual([]);
      // The third arrives: the group is complete and commits at once, well before holdMs.
      const third = group.add('c');
      await Promise.all([first, second, third]);
      expect(gated.groups).toEqual([['a', 'b', 'c']]);

      // One coming that never arrives: the group goes after holdMs, with what it has.
      coming = 2;
      const alone = group.add('d');
      await jest.advanceTimersByTimeAsync(49);
      expect(gated.groups).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1);
      await alone;
      expect(gated.groups).toEqual([['a', 'b', 'c'], ['d']]);

      // Nothing else coming: no wait at all.
      coming = 1;
      await group.add('e');
      expect(gated.groups).toHaveLength(3);
    } finally {
      jest.useRealTimers();
    }
  });

  it('hands each item the result its commit returned for it', async () => {
    const gated = gatedCommit();
    gated.hold();
    const group = new GroupCommit<string, string>(async (items) => {
      await gated.commit(items);
      return items.map((item) => item.toUpperCase());
    });
    const results = Promise.all([group.add('a'), group.add('b'), group.add('c')]);
    gated.release();
    expect(await results).toEqual(['A', 'B', 'C']);
    expect(gated.groups).toEqual([['a'], ['b', 'c']]);
  });

  it('refuses a group size that is not a positive integer', () => {
    expect(() => new GroupCommit(() => Promise.resolve(), { maxItems: 0 })).toThrow();
  });
});
