/**
 * A logger for a condition that can repeat on every request (Redis down, a full buffer): it writes at
 * most once per interval and counts what it held back, so a flood does not become a flood of log lines.
 */
export class ThrottledLog {
  private lastAt = Number.NEGATIVE_INFINITY;
  private held = 0;

  constructor(private readonly intervalMs = 60_000) {}

  warn(message: () => string): void {
    const now = Date.now();
    if (now - this.lastAt < this.intervalMs) {
      this.held++;
      return;
    }
    const held = this.held ? ` (${this.held} similar messages held back)` : "";
    this.lastAt = now;
    this.held = 0;
    console.warn(`[gatehouse] ${message()}${held}`);
  }
}
