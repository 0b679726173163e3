import { readFile } from "node:fs/promises";

/** /proc's clock ticks per second (`getconf CLK_TCK`), 100 on Linux everywhere the bench runs. */
const ticksPerSecond = 100;

/** CPU time a process has used so far, user and system, in ms (whole ticks: 10 ms steps). */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th of the line.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/** CPU used by each named process (and by this one, the load generator) while `work` runs. */
export async function cpuDuring<T>(processes: Record<string, number>, work: () => Promise<T>): Promise<{ result: T; ms: Record<string, number> }> {
  const names = Object.keys(processes);
  const before = await Promise.all(names.map((name) => cpuMs(processes[name])));
  const self = process.cpuUsage();
  const result = await work();
  const after = await Promise.all(names.map((name) => cpuMs(processes[name])));
  const used = process.cpuUsage(self);
  const ms: Record<string, number> = Object.fromEntries(names.map((name, i) => [name, after[i] - before[i]]));
  ms["load generator"] = (used.user + used.system) / 1000;
  return { result, ms };
}
