/**
 * Resident memory of an app's server process while it holds many idle event streams, and while a large
 * upload or download streams through it. Linux only: it reads /proc.
 */

import { readdir, readFile } from "node:fs/promises";
import { type ClientRequest, Agent as HttpAgent, request as httpGet } from "node:http";
import { Readable } from "node:stream";
import { request } from "undici";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Megabytes (10^6 bytes), the unit of the targets in the issue.
const mb = 1e6;

/** `tsx server.ts` runs the server in a child node process of the one the bench spawned. */
export async function serverProcessId(launcherPid: number): Promise<number> {
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // The fourth field, after the parenthesised command name, is the parent's pid.
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (parent === launcherPid) return Number(entry);
  }
  return launcherPid;
}

export async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) * 1024;
}

/** The median of a few samples, so one allocation burst does not set the figure. */
async function settledResident(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(await residentBytes(pid));
    await sleep(200);
  }
  return samples.sort((a, b) => a - b)[2];
}

export interface StreamsMemory {
  streams: number;
  idleMB: number;
  withStreamsMB: number;
  addedMB: number;
}

/** Opens `count` event streams that stay silent, waits for every head, and compares the process's RSS with and without them. */
export async function idleStreamsMemory(pid: number, url: string, headers: Record<string, string>, count: number): Promise<StreamsMemory> {
  const idle = await settledResident(pid);
  const agent = new HttpAgent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const requests: ClientRequest[] = [];
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve, reject) => {
          const client = httpGet(url, { agent, headers }, (response) => {
            if (response.statusCode !== 200) reject(new Error(`an idle stream was answered ${response.statusCode}`));
            else resolve();
          });
          client.once("error", reject);
          client.end();
          requests.push(client);
        }),
    ),
  );
  await sleep(2_000);
  const withStreams = await settledResident(pid);
  for (const client of requests) client.destroy();
  agent.destroy();
  await sleep(1_000);
  return { streams: count, idleMB: idle / mb, withStreamsMB: withStreams / mb, addedMB: (withStreams - idle) / mb };
}

export interface TransferMemory {
  direction: "download" | "upload";
  bytes: number;
  seconds: number;
  idleMB: number;
  peakMB: number;
  addedMB: number;
}

/** Samples RSS every 50 ms while `work` runs; the peak against the RSS just before. */
async function peakDuring(pid: number, work: () => Promise<void>): Promise<{ idle: number; peak: number; seconds: number }> {
  const idle = await settledResident(pid);
  let peak = idle;
  let running = true;
  const sampling = (async () => {
    while (running) {
      peak = Math.max(peak, await residentBytes(pid));
      await sleep(50);
    }
  })();
  const started = performance.now();
  try {
    await work();
  } finally {
    running = false;
    await sampling;
  }
  return { idle, peak, seconds: (performance.now() - started) / 1000 };
}

function generated(bytes: number): Readable {
  const chunk = Buffer.alloc(64 * 1024, 9);
  let left = bytes;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const size = Math.min(chunk.length, left);
      left -= size;
      this.push(size === chunk.length ? chunk : chunk.subarray(0, size));
    },
  });
}

/** Streams `bytes` down from the deployment and then up to it through `baseUrl`, reading and writing as fast as the path allows. */
export async function transferMemory(pid: number, baseUrl: string, headers: Record<string, string>, bytes: number): Promise<TransferMemory[]> {
  const results: TransferMemory[] = [];
  const down = await peakDuring(pid, async () => {
    const response = await request(`${baseUrl}download?bytes=${bytes}`, { headers });
    let received = 0;
    for await (const part of response.body) received += part.length;
    if (received !== bytes) throw new Error(`download: ${received} of ${bytes} bytes arrived`);
  });
  results.push({ direction: "download", bytes, seconds: down.seconds, idleMB: down.idle / mb, peakMB: down.peak / mb, addedMB: (down.peak - down.idle) / mb });
  const up = await peakDuring(pid, async () => {
    const response = await request(`${baseUrl}upload`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/octet-stream" },
      body: generated(bytes),
    });
    const answer = await response.body.text();
    if (response.statusCode !== 200 || Number(answer) !== bytes) throw new Error(`upload: answered ${response.statusCode} ${answer.slice(0, 200)}`);
  });
  results.push({ direction: "upload", bytes, seconds: up.seconds, idleMB: up.idle / mb, peakMB: up.peak / mb, addedMB: (up.peak - up.idle) / mb });
  return results;
}
