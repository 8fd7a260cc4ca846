// A counting semaphore: at most `limit` holders at once, the rest wait in arrival order.

export class Semaphore {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`semaphore limit must be ≥ 1, not ${limit}`);
  }

  /** Runs `work` once a place is free, and frees it when `work` settles. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.held >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.held++;
    try {
      return await work();
    } finally {
      // Hand the place to the next waiter directly (`held` stays), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.held--;
    }
  }
}
