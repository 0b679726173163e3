/**
 * At most `cap` of something at once per key (requests waiting for a deployment, a user's WebSockets,
 * deliveries to one host). `take` returns the function that gives the slot back (once, however often it
 * is called), or null when the key is full.
 */
export class CountedSlots {
  private readonly taken = new Map<string, number>();

  take(key: string, cap: number): (() => void) | null {
    const held = this.taken.get(key) ?? 0;
    if (held >= cap) return null;
    this.taken.set(key, held + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.taken.get(key) ?? 1) - 1;
      if (left > 0) this.taken.set(key, left);
      else this.taken.delete(key);
    };
  }
}
