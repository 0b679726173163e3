import { pool } from "@/lib/db";
import type { Via } from "@/lib/gateway/path";
import { writeRequestBatch } from "@/lib/request-log/store";
import { ThrottledLog } from "@/lib/runtime/log-throttle";
import { processSingleton } from "@/lib/runtime/process-singleton";

/** One gateway request, as stored in RequestLog. */
export interface RequestRow {
  at: Date;
  requestId: string;
  userId: string | null;
  deploymentId: string | null;
  method: string;
  path: string;
  status: number;
  outcome: string;
  durationMs: number;
  ttfbMs: number | null;
  bytesIn: number;
  bytesOut: number;
  country: string | null;
  clientAddress: string | null;
  userAgentFamily: string | null;
  /** The hub's gateway path or the deployment's own origin. */
  via: Via;
  /** For an MCP call: its JSON-RPC method, the tool, prompt or resource it names, and whether it failed (null: unknown). */
  mcpMethod: string | null;
  mcpName: string | null;
  mcpError: boolean | null;
}

interface RecorderOptions {
  /** Rows kept while the database is slow or down; past it rows are dropped, and counted. */
  maxBuffered: number;
  batchSize: number;
  intervalMs: number;
}

const maxBackoffMs = 30_000;

/** PostgreSQL's data-exception and integrity-violation classes: the batch itself is at fault, not the connection. */
function isRejectedData(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && (code.startsWith("22") || code.startsWith("23"));
}

/**
 * Buffers request rows and writes them in batches, one insert per batch, off the request path:
 * `record` never waits. When the database fails, batches stay buffered and are retried with backoff.
 */
class Recorder {
  private buffer: RequestRow[] = [];
  private flushing: Promise<void> | undefined;
  private backoffMs = 0;
  private retryAt = 0;
  private readonly dropLog = new ThrottledLog();
  private readonly timer: NodeJS.Timeout;
  readonly stats = { written: 0, dropped: 0, failedWrites: 0 };

  constructor(
    private readonly write: (rows: RequestRow[]) => Promise<unknown>,
    private readonly options: RecorderOptions,
  ) {
    this.timer = setInterval(() => void this.flush(), options.intervalMs);
    this.timer.unref();
  }

  get depth(): number {
    return this.buffer.length;
  }

  record(row: RequestRow): void {
    if (this.buffer.length >= this.options.maxBuffered) {
      this.stats.dropped++;
      this.dropLog.warn(() => `request log buffer full (${this.options.maxBuffered} rows): dropping rows, ${this.stats.dropped} so far`);
      return;
    }
    this.buffer.push(row);
    if (this.buffer.length >= this.options.batchSize && Date.now() >= this.retryAt) void this.flush();
  }

  /** Writes what is buffered, batch by batch; stops at the first failure and retries later. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.buffer.length && Date.now() >= this.retryAt) {
      const batch = this.buffer.slice(0, this.options.batchSize);
      try {
        await this.write(batch);
        this.buffer.splice(0, batch.length);
        this.stats.written += batch.length;
        this.backoffMs = 0;
      } catch (error) {
        this.stats.failedWrites++;
        if (isRejectedData(error)) {
          // Retrying rows the database refuses would stall every row behind them for good.
          this.buffer.splice(0, batch.length);
          this.stats.dropped += batch.length;
          console.error(`[gatehouse] the database refused ${batch.length} request rows (${(error as Error).message}); dropped them`);
          continue;
        }
        this.backoffMs = Math.min(maxBackoffMs, this.backoffMs ? this.backoffMs * 2 : 250);
        this.retryAt = Date.now() + this.backoffMs;
        console.warn(`[gatehouse] could not write ${batch.length} request rows (${(error as Error).message}); retrying in ${this.backoffMs} ms`);
        return;
      }
    }
  }

  /** For shutdown: keeps flushing until the buffer is empty or `deadlineMs` passes. */
  async close(deadlineMs: number): Promise<void> {
    clearInterval(this.timer);
    const deadline = Date.now() + deadlineMs;
    while (this.buffer.length && Date.now() < deadline) {
      this.retryAt = Math.min(this.retryAt, Date.now());
      await this.flush();
      if (this.buffer.length) await new Promise((resolve) => setTimeout(resolve, Math.min(this.backoffMs, Math.max(0, deadline - Date.now()))));
    }
    if (this.buffer.length) console.warn(`[gatehouse] exiting with ${this.buffer.length} request rows unwritten`);
  }
}

/** The process's recorder, shared by the fast path and Next's bundle. */
export const requestRecorder = processSingleton(
  "request-recorder",
  () => new Recorder((rows) => writeRequestBatch(pool(), rows), { maxBuffered: 100_000, batchSize: 500, intervalMs: 1_000 }),
);
