/**
 * Counts work that must finish before connections close: an update counts from the moment it is
 * applied until its acknowledgement (or refusal) has been handed to its socket.
 */
export class InFlight {
  private readonly pending = new Set<Promise<unknown>>()

  get size(): number {
    return this.pending.size
  }

  /** Tracks `work` until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => {},
      () => {},
    )
    this.pending.add(settled)
    void settled.then(() => this.pending.delete(settled))
    return work
  }

  /** Resolves once everything tracked so far, and anything tracked meanwhile, has settled. */
  async whenIdle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending])
  }
}
