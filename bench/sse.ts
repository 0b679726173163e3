import { request } from "node:http";

/**
 * Opens an event stream from the bench upstream (directly or through something in front of it) and
 * returns, for each event, the ms between the upstream writing it and this process reading it. Both
 * sides read CLOCK_MONOTONIC, which every process on the machine shares.
 */
export function sseCrossing(url: string, headers: Record<string, string>, count: number, intervalMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const client = request(`${url}?count=${count}&interval=${intervalMs}`, { headers: { ...headers, accept: "text/event-stream" } }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`${url} answered ${response.statusCode} to an event stream request`));
        return;
      }
      const latencies: number[] = [];
      let buffer = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        const now = process.hrtime.bigint();
        buffer += chunk;
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const stamp = /^data: (\d+)$/m.exec(buffer.slice(0, end));
          if (stamp) latencies.push(Number(now - BigInt(stamp[1])) / 1e6);
          buffer = buffer.slice(end + 2);
        }
      });
      response.once("end", () => resolve(latencies));
      response.once("error", reject);
    });
    client.once("error", reject);
    client.end();
  });
}
