import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The parts of V8's .cpuprofile format (what `node --cpu-prof` writes) that self time needs. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  label: string;
  ms: number;
  /** Share of the samples in the window, idle included. */
  share: number;
}

const root = path.resolve(import.meta.dirname, "..");

const isWasm = (url: string) => url.startsWith("wasm:");

function fileOf(url: string): string {
  if (isWasm(url)) return url;
  return path.relative(root, url.startsWith("file://") ? fileURLToPath(url) : url);
}

/** Groups code by who owns it: a package, Node's own modules, the app's bundle, or a file of ours. */
function ownerOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(V8 builtins and native code)";
  if (url.startsWith("node:")) return `node:${url.replace(/^node:(internal\/)?/, "").split("/")[0]}`;
  const file = fileOf(url);
  const pkg = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (pkg) return pkg[1];
  if (file.startsWith(".next/")) return "app bundle (.next/server)";
  return file;
}

/**
 * Self time per function and per owner, counting only samples taken between `fromUs` and `toUs`
 * (process.hrtime µs: V8 stamps samples with the same monotonic clock), so start-up and warm-up stay out.
 */
export async function selfTimes(
  file: string,
  fromUs: number,
  toUs: number,
  top: number,
): Promise<{ functions: SelfTime[]; owners: SelfTime[]; windowMs: number }> {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const parents = new Map(profile.nodes.flatMap((node) => (node.children ?? []).map((child) => [child, node.id] as const)));
  /** Who owns a sample's frame. A WebAssembly frame names no file: it belongs to the code that called into it. */
  const ownerOfNode = (id: number): string => {
    const frame = nodes.get(id)!;
    if (!isWasm(frame.url)) return ownerOf(frame.url, frame.functionName || "(anonymous)");
    let caller = parents.get(id);
    while (caller !== undefined && (isWasm(nodes.get(caller)!.url) || !nodes.get(caller)!.url)) caller = parents.get(caller);
    return `${caller === undefined ? "unknown" : ownerOf(nodes.get(caller)!.url, "")} (WebAssembly)`;
  };
  const byFunction = new Map<string, number>();
  const byOwner = new Map<string, number>();
  let windowUs = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i];
    // A sample stands for the time until the next one.
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (at < fromUs || at > toUs) continue;
    const frame = nodes.get(profile.samples[i])!;
    const name = frame.functionName || "(anonymous)";
    // tsx compiles .ts files on load, so the profile's line numbers there are the compiled code's: left out.
    const where = frame.url ? ` ${fileOf(frame.url)}${frame.url.endsWith(".ts") ? "" : `:${frame.lineNumber + 1}`}` : "";
    byFunction.set(name + where, (byFunction.get(name + where) ?? 0) + us);
    const owner = ownerOfNode(profile.samples[i]);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
    windowUs += us;
  }
  const rank = (totals: Map<string, number>) =>
    [...totals]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([label, us]) => ({ label, ms: us / 1000, share: us / windowUs }));
  return { functions: rank(byFunction), owners: rank(byOwner), windowMs: windowUs / 1000 };
}
