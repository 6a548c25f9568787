/**
 * What a run started (stacks, engine, connections), released in reverse order at the end, or
 * on Ctrl-C, so an interrupted bench leaves nothing of its own running.
 */
export class Resources {
  private readonly held: Array<{ name: string; release: () => Promise<void> }> = [];

  /** Holds a resource; the returned function releases it early (once). */
  add(name: string, release: () => Promise<void>): () => Promise<void> {
    const entry = { name, release };
    this.held.push(entry);
    return async () => {
      const at = this.held.indexOf(entry);
      if (at < 0) return;
      this.held.splice(at, 1);
      await release();
    };
  }

  async releaseAll(log: (line: string) => void): Promise<void> {
    while (this.held.length) {
      const { name, release } = this.held.pop()!;
      try {
        await release();
      } catch (err) {
        log(`could not release ${name}: ${(err as Error).message}`);
      }
    }
  }
}
