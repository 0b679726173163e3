/**
 * `npm run bench` (after `npm run build`): the gateway against the floor of any Node gateway, on this
 * machine, in one run. Starts its own Redis, a fresh PostgreSQL database, a plain upstream, a bare
 * proxy and four apps; prints Markdown tables on stdout (progress on stderr), asserts nothing, and
 * removes everything it started. `-- --profile` adds CPU profiles of both gateway paths under load.
 * Environment: BENCH_POSTGRES_URL (default TEST_POSTGRES_URL, then the local server), BENCH_RATE
 * (the fixed rate of the latency runs, default 400 requests/s).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { createClient } from "redis";
import { request } from "undici";
import { cpuDuring } from "@/bench/cpu";
import { type LoadSample, median, type PacedSample, paced, saturate, summarise, type Target } from "@/bench/load";
import { idleStreamsMemory, type StreamsMemory, serverProcessId, type TransferMemory, transferMemory } from "@/bench/memory";
import { type BatchFigures, type MicroRow, microBenchmarks, requestLogBatches } from "@/bench/micro";
import { selfTimes } from "@/bench/profile";
import { sseCrossing } from "@/bench/sse";
import { db } from "@/lib/db";
import { prepareEnvironment } from "@/lib/startup";
import { type AppEnv, freePort, type RunningApp, testMetricsToken, testSecret } from "@/testkit/app";
import { type Harness, harness, type Teardown } from "@/testkit/harness";
import { DisposableRedis } from "@/testkit/redis-server";
import { createScratchDatabase, postgresAdminUrl } from "@/testkit/scratch-database";
import { sleep } from "@/testkit/wait";

const root = path.resolve(import.meta.dirname, "..");
const adminUrl = process.env.BENCH_POSTGRES_URL ?? postgresAdminUrl();
const rounds = 3;
const seconds = 5;
const warmupSeconds = 3;
const connections = 32;
const rate = Number(process.env.BENCH_RATE ?? 400);
const sseEvents = 200;
const sseIntervalMs = 10;
const roundTripRequests = 500;
const idleStreams = 1_000;
const transferBytes = 2 ** 30;
const withProfile = process.argv.includes("--profile");

const progress = (message: string) => console.error(`… ${message}`);

/** Undone last first, on success, failure or Ctrl-C alike. */
const cleanups: (() => Promise<unknown>)[] = [];
/** Set once the measurements are over: from then on, processes stopping is expected. */
let finishing = false;
async function cleanUp(): Promise<void> {
  finishing = true;
  for (let undo = cleanups.pop(); undo; undo = cleanups.pop()) {
    await undo().catch((error) => console.error("cleanup failed:", error));
  }
}

/** The harness's teardown joins the bench's clean-ups. */
const teardown: Teardown = { after: (fn) => void cleanups.push(async () => fn()) };

/**
 * A helper process for the bench's whole run: stopped at clean-up, reported if it dies before, and
 * resolved with its stdout's first match of `ready` once that appears.
 */
async function startChild(label: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ match: RegExpExecArray; pid: number }> {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"], env });
  cleanups.push(async () => {
    if (child.exitCode !== null) return;
    child.kill("SIGTERM");
    await once(child, "exit");
  });
  child.once("exit", (code, signal) => finishing || console.error(`${label} exited during the bench (${signal ?? code})`));
  let output = "";
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const match = ready.exec(output);
      if (match) resolve({ match, pid: child.pid! });
    });
    child.once("exit", (code) => reject(new Error(`${label} exited with ${code}: ${output}`)));
  });
}

/** One of bench/servers.ts's roles, in a process of its own. */
async function startServer(args: string[]): Promise<{ url: string; pid: number }> {
  const { match, pid } = await startChild(
    `bench/servers.ts ${args.join(" ")}`,
    ["--import", "tsx", "bench/servers.ts", ...args],
    process.env,
    /listening (\S+)/,
  );
  return { url: match[1], pid };
}

/**
 * bench/next-floor, built and started with `next start`: a Next app holding only a trivial route and a
 * route that does nothing but proxy with undici, the most any gateway written as a route handler can reach.
 */
async function startNextFloor(upstream: string): Promise<{ url: string; pid: number }> {
  const next = path.join(root, "node_modules", "next", "dist", "bin", "next");
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
  const build = spawn(process.execPath, [next, "build", "bench/next-floor"], { cwd: root, stdio: ["ignore", "ignore", "inherit"], env });
  const [code] = await once(build, "exit");
  if (code !== 0) throw new Error(`next build bench/next-floor exited with ${code}`);
  const port = await freePort();
  const { pid } = await startChild(
    "next start bench/next-floor",
    [next, "start", "bench/next-floor", "--port", String(port), "--hostname", "127.0.0.1"],
    { ...env, NODE_ENV: "production", NEXT_FLOOR_UPSTREAM: upstream },
    /Ready/,
  );
  return { url: `http://127.0.0.1:${port}`, pid: await serverProcessId(pid) };
}

/** Apps of the bench's own, once each has served a Next request; reported if one dies during the bench. */
async function prepared(apps: RunningApp[]): Promise<RunningApp[]> {
  for (const app of apps) {
    // A target that dies mid-bench otherwise shows only as failures in its row, or as a refused connection later on.
    app.process.once(
      "exit",
      (code, signal) => finishing || console.error(`The app at ${app.url} exited during the bench (${signal ?? code}):\n${app.output().slice(-2_000)}`),
    );
    await serveNextOnce(app);
  }
  return apps;
}

/**
 * Once a process has served a Next request, Next's AsyncLocalStorage hooks every promise in it, the
 * fast path's included. In production every instance serves pages too, so every app here does first.
 */
function serveNextOnce(app: RunningApp): Promise<void> {
  return expectOk({ name: "a Next route", url: `${app.url}/api/health/live`, headers: {} });
}

async function expectOk(target: Target): Promise<void> {
  const response = await request(target.url, { headers: target.headers });
  const body = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`${target.name} (${target.url}) answered ${response.statusCode}: ${body}`);
}

/**
 * Redis commands per gateway request, as Redis itself saw them (MONITOR), by command. Commands a Lua
 * script runs inside Redis show as `[0 lua]` and cost no round trip, so they are left out.
 */
async function redisCommandsPerRequest(redisUrl: string, target: Target): Promise<Map<string, number>> {
  const monitor = createClient({ url: redisUrl });
  await monitor.connect();
  const counts = new Map<string, number>();
  await monitor.monitor((line) => {
    const [, source, command] = /^\S+ \[\d+ ([^\]]+)\] "([^"]+)"/.exec(line) ?? [];
    const name = command?.toUpperCase();
    if (name && source !== "lua") counts.set(name, (counts.get(name) ?? 0) + 1);
  });
  for (let i = 0; i < roundTripRequests; i++) await (await request(target.url, { headers: target.headers })).body.dump();
  // MONITOR lines trail the answers they belong to.
  await sleep(300);
  monitor.destroy();
  return new Map([...counts].map(([command, count]) => [command, count / roundTripRequests]));
}

/**
 * The request log's backlog, from the app's own metrics: every gateway request queues a row that is
 * written later in batches, so a recorder that falls behind would hide part of the cost in its queue.
 */
async function requestLogBacklog(app: RunningApp): Promise<{ waiting: number; dropped: number }> {
  const response = await request(`${app.url}/api/metrics`, { headers: { authorization: `Bearer ${testMetricsToken}` } });
  const metrics = await response.body.text();
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(metrics)?.[1] ?? Number.NaN);
  return { waiting: gauge("gatehouse_request_log_queue_depth"), dropped: gauge("gatehouse_request_log_dropped") };
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : "–");
const perSecond = (value: number) => Math.round(value).toLocaleString("en-US");
const percent = (value: number) => `${Math.round(value * 100)} %`;
const commands = (perCall: Map<string, number>) => {
  const total = [...perCall.values()].reduce((a, b) => a + b, 0);
  return `${Number(total.toPrecision(3))} (${[...perCall].map(([name, count]) => `${name} ${Number(count.toPrecision(3))}`).join(", ") || "none"})`;
};

/** The share of the machine's CPU that was busy over one second: other work, when nothing of the bench is running. */
async function busyShare(): Promise<number> {
  const times = () =>
    cpus().reduce((sum, { times: t }) => ({ busy: sum.busy + t.user + t.nice + t.sys + t.irq, all: sum.all + t.user + t.nice + t.sys + t.irq + t.idle }), {
      busy: 0,
      all: 0,
    });
  const before = times();
  await sleep(1_000);
  const after = times();
  return (after.busy - before.busy) / (after.all - before.all);
}

function table(headings: string[], rows: string[][]): string {
  return [headings, headings.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

interface HttpFigures {
  target: BenchTarget;
  saturated: LoadSample;
  fixed: PacedSample;
  /** Median CPU µs per answered request in the saturated runs, by process. */
  cpuPerRequest: Record<string, number>;
}

/**
 * Every target once per round, rounds interleaved, so drift on a shared machine spreads over all rows.
 * `processes` names each target's server process and the processes all of them may use (the upstream,
 * Redis), whose CPU time is read around every saturated run.
 */
async function measureHttp(targets: BenchTarget[], servers: Map<Target, number>, shared: Record<string, number>): Promise<HttpFigures[]> {
  for (const target of targets) {
    progress(`warm-up: ${target.name}`);
    await saturate(target, warmupSeconds, connections);
  }
  const runs = new Map(targets.map((target) => [target, { saturated: [] as LoadSample[], fixed: [] as PacedSample[], cpu: [] as Record<string, number>[] }]));
  for (let round = 1; round <= rounds; round++) {
    for (const target of targets) {
      progress(`round ${round}/${rounds}: ${target.name}`);
      const { result, ms: cpu } = await cpuDuring({ server: servers.get(target)!, ...shared }, () => saturate(target, seconds, connections));
      const answered = result.rps * seconds;
      runs.get(target)!.saturated.push(result);
      runs.get(target)!.cpu.push(Object.fromEntries(Object.entries(cpu).map(([name, ms]) => [name, (ms * 1000) / answered])));
      await sleep(500);
      runs.get(target)!.fixed.push(await paced(target, rate, seconds, connections));
      await sleep(500);
    }
  }
  const middle = (samples: LoadSample[]): LoadSample => ({
    rps: median(samples.map((s) => s.rps)),
    p50: median(samples.map((s) => s.p50)),
    p99: median(samples.map((s) => s.p99)),
    failures: samples.reduce((sum, s) => sum + s.failures, 0),
  });
  return targets.map((target) => {
    const { saturated, fixed, cpu } = runs.get(target)!;
    const cpuPerRequest = Object.fromEntries(Object.keys(cpu[0]).map((name) => [name, median(cpu.map((run) => run[name]))]));
    return { target, saturated: middle(saturated), fixed: { ...middle(fixed), maxLagMs: Math.max(...fixed.map((s) => s.maxLagMs)) }, cpuPerRequest };
  });
}

async function profileGateway(h: Harness<unknown>, label: string, env: AppEnv, gatewayPath: string, headers: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "gatehouse-bench-profile-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const [app] = await h.startApps([env], { nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${dir}`] });
  const target: Target = { name: `${label}, profiled`, url: `${app.url}${gatewayPath}/`, headers };
  await serveNextOnce(app);
  progress(`profile of ${label}: warm-up`);
  await saturate(target, warmupSeconds, connections);
  progress(`profile of ${label}: under load`);
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const load = await saturate(target, seconds, connections);
  const toUs = Number(process.hrtime.bigint() / 1000n);
  await app.stop();
  // tsx's module loader runs on a worker thread of the server's process and writes a profile too; the main thread's is the larger.
  const files = await Promise.all((await readdir(dir)).map(async (name) => ({ file: path.join(dir, name), size: (await stat(path.join(dir, name))).size })));
  const server = files.sort((a, b) => b.size - a.size)[0];
  if (!server) throw new Error("The profiled app wrote no .cpuprofile");
  const { functions, owners, windowMs } = await selfTimes(server.file, fromUs, toUs, 15);
  const rows = (entries: typeof functions) => entries.map((entry) => [`\`${entry.label}\``, entry.ms.toFixed(0), percent(entry.share)]);
  return paragraphs(
    `### CPU profile: ${label} under ${connections} connections (${perSecond(load.rps)} requests/s while profiled)`,
    `Self time in the app's process over the ${(windowMs / 1000).toFixed(1)} s of load (node --cpu-prof, start-up and warm-up excluded).`,
    table(["owner", "self ms", "share"], rows(owners)),
    table(["function", "self ms", "share"], rows(functions)),
  );
}

const paragraphs = (...parts: string[]) => parts.join("\n\n");

// The highest limits the configuration accepts, per second: never reached, so every request runs the full check and passes.
const lifted = { GATEWAY_RATE_LIMIT_USER: "1000000/1s" };

/** The apps the bench starts and measures, by role: how each is configured, and its name in the request-log table. */
const appRoles = {
  fast: { name: "fast path (Redis)", env: (redisUrl: string): AppEnv => ({ ...lifted, REDIS_URL: redisUrl }) },
  unleased: { name: "fast path (Redis, no leases)", env: (redisUrl: string): AppEnv => ({ ...lifted, REDIS_URL: redisUrl, GATEWAY_RATE_LIMIT_LEASE: "0" }) },
  route: { name: "route handler (Redis)", env: (redisUrl: string): AppEnv => ({ ...lifted, REDIS_URL: redisUrl, GATEWAY_FAST_PATH: "false" }) },
  memory: { name: "fast path (in-memory limits)", env: (_redisUrl: string): AppEnv => ({ ...lifted, REDIS_URL: "" }) },
};
type AppRole = keyof typeof appRoles;
const appRoleNames = Object.keys(appRoles) as AppRole[];

/** A process that serves targets: the plain upstream, the bare proxy, the bare Next app, or one of the apps. */
type ServerRole = "upstream" | "proxy" | "floor" | AppRole;

interface TargetDefinition {
  name: string;
  server: ServerRole;
  /** The path on that server; `gateway` is the bench deployment's gateway prefix. */
  path: string;
}

/** Every HTTP target, in the order of the tables' rows. */
const targetDefinitions = {
  direct: { name: "direct upstream", server: "upstream", path: "/" },
  proxy: { name: "bare proxy (node:http + undici)", server: "proxy", path: "/" },
  floorTrivial: { name: "trivial route handler, bare Next app (next start)", server: "floor", path: "/trivial" },
  floorProxy: { name: "bare proxy route handler (undici only), bare Next app", server: "floor", path: "/proxy/" },
  trivialRoute: { name: "trivial Next route handler (/api/health/live)", server: "route", path: "/api/health/live" },
  gatewayRoute: { name: "gateway, Next route handler (Redis)", server: "route", path: "gateway" },
  gatewayFast: { name: "gateway, fast path (Redis)", server: "fast", path: "gateway" },
  gatewayUnleased: { name: "gateway, fast path (Redis, no leases: every request asks Redis)", server: "unleased", path: "gateway" },
  gatewayMemory: { name: "gateway, fast path (in-memory limits)", server: "memory", path: "gateway" },
} satisfies Record<string, TargetDefinition>;
type TargetKey = keyof typeof targetDefinitions;

interface BenchTarget extends Target {
  key: TargetKey;
}

/** The targets whose Redis round trips per request are counted, and those an SSE stream crosses. */
const roundTripTargets: TargetKey[] = ["gatewayFast", "gatewayUnleased", "gatewayRoute"];
const sseTargets: TargetKey[] = ["direct", "proxy", "gatewayFast", "gatewayRoute"];

/** Everything the bench measured, from which the report is written. */
interface Measurements {
  http: HttpFigures[];
  backlogs: { name: string; waiting: number; dropped: number }[];
  sse: { name: string; latencies: number[] }[];
  streamsMemory: StreamsMemory;
  transfers: { name: string; results: TransferMemory[] }[];
  micro: MicroRow[];
  batches: BatchFigures;
  roundTrips: { name: string; perRequest: Map<string, number> }[];
  profiles: string[];
}

/** A row of the targets table: the figure, computed from the measurements, and the goal it must meet (none for a reference). */
interface Goal {
  label: string;
  unit: "%" | "ms" | "MB";
  figure: (m: Measurements) => number;
  goal?: { compare: "<" | "≥"; threshold: number };
}

const figuresOf = (m: Measurements, key: TargetKey) => m.http.find((row) => row.target.key === key)!;
const throughputRatio = (key: TargetKey, over: TargetKey) => (m: Measurements) => figuresOf(m, key).saturated.rps / figuresOf(m, over).saturated.rps;
const addedP50 = (key: TargetKey, over: TargetKey) => (m: Measurements) => figuresOf(m, key).fixed.p50 - figuresOf(m, over).fixed.p50;
const sseP50 = (key: TargetKey) => (m: Measurements) => summarise([...m.sse.find((row) => row.name === targetDefinitions[key].name)!.latencies]).p50;
const routeRatio = throughputRatio("gatewayRoute", "trivialRoute");
const floorRatio = throughputRatio("floorProxy", "floorTrivial");
const atLeast = (threshold: number) => ({ compare: "≥" as const, threshold });
const below = (threshold: number) => ({ compare: "<" as const, threshold });

const goals: Goal[] = [
  { label: "gateway fast path (Redis) ÷ bare proxy, requests/s", unit: "%", figure: throughputRatio("gatewayFast", "proxy"), goal: atLeast(0.6) },
  { label: "gateway fast path (in-memory limits) ÷ bare proxy, requests/s", unit: "%", figure: throughputRatio("gatewayMemory", "proxy"), goal: atLeast(0.6) },
  { label: "gateway fast path (Redis, no leases) ÷ bare proxy, requests/s", unit: "%", figure: throughputRatio("gatewayUnleased", "proxy") },
  { label: `gateway fast path (Redis), added p50 over direct @ ${rate}/s`, unit: "ms", figure: addedP50("gatewayFast", "direct"), goal: below(1) },
  { label: `gateway fast path (Redis), added p50 over bare proxy @ ${rate}/s`, unit: "ms", figure: addedP50("gatewayFast", "proxy"), goal: below(1) },
  {
    label: `gateway fast path (Redis, no leases), added p50 over direct @ ${rate}/s`,
    unit: "ms",
    figure: addedP50("gatewayUnleased", "direct"),
    goal: below(1),
  },
  { label: `gateway fast path (in-memory), added p50 over direct @ ${rate}/s`, unit: "ms", figure: addedP50("gatewayMemory", "direct"), goal: below(1) },
  { label: "gateway route handler ÷ trivial route handler, requests/s", unit: "%", figure: routeRatio, goal: atLeast(0.85) },
  { label: "ceiling for any route-handler gateway: bare proxy route ÷ trivial route, both in the bare Next app", unit: "%", figure: floorRatio },
  { label: "gateway route handler ÷ trivial route handler, as a share of that ceiling", unit: "%", figure: (m) => routeRatio(m) / floorRatio(m) },
  { label: "SSE event through the fast path, p50", unit: "ms", figure: sseP50("gatewayFast"), goal: below(5) },
  { label: "SSE event through the route handler, p50", unit: "ms", figure: sseP50("gatewayRoute"), goal: below(5) },
  {
    label: `${idleStreams} idle event streams through the fast path, added resident memory`,
    unit: "MB",
    figure: (m) => m.streamsMemory.addedMB,
    goal: below(150),
  },
  {
    label: "1 GiB download or upload through either path, largest rise in resident memory",
    unit: "MB",
    figure: (m) => Math.max(...m.transfers.flatMap(({ results }) => results.map((result) => result.addedMB))),
    goal: below(64),
  },
];

const inUnit = (value: number, unit: Goal["unit"]) => (unit === "%" ? percent(value) : unit === "ms" ? `${ms(value)} ms` : `${value.toFixed(0)} MB`);

function goalRow({ label, unit, figure, goal }: Goal, m: Measurements): string[] {
  const value = figure(m);
  if (!goal) return [label, inUnit(value, unit), "reference", "–"];
  const met = goal.compare === "<" ? value < goal.threshold : value >= goal.threshold;
  return [label, inUnit(value, unit), `${goal.compare} ${unit === "%" ? Math.round(goal.threshold * 100) : goal.threshold} ${unit}`, met ? "yes" : "no"];
}

function httpSection(m: Measurements): string[] {
  const direct = figuresOf(m, "direct").fixed.p50;
  return [
    `### HTTP: medians of ${rounds} runs of ${seconds} s after a ${warmupSeconds} s warm-up, GET answered with a 53-byte JSON body`,
    `Saturated: autocannon, ${connections} connections, closed loop (requests/s and queueing latency). ` +
      `Fixed rate: ${rate} requests/s open loop (bench/load.ts \`paced\`, undici pool of ${connections}), the latency a request sees when the target is not saturated. ` +
      "Latencies in ms from each response's own sub-ms timing.",
    table(
      [
        "target",
        "requests/s (saturated)",
        "p50 saturated",
        "p99 saturated",
        `p50 @ ${rate}/s`,
        `p99 @ ${rate}/s`,
        `added p50 over direct @ ${rate}/s`,
        "non-2xx/errors",
        "max send lag ms",
      ],
      m.http.map(({ target, saturated, fixed }) => [
        target.name,
        perSecond(saturated.rps),
        ms(saturated.p50),
        ms(saturated.p99),
        ms(fixed.p50),
        ms(fixed.p99),
        target.key === "direct" ? "–" : ms(fixed.p50 - direct),
        String(saturated.failures + fixed.failures),
        ms(fixed.maxLagMs),
      ]),
    ),
  ];
}

function cpuSection(m: Measurements): string[] {
  return [
    "CPU time per answered request in the saturated runs (µs; medians over the rounds; /proc utime + stime, in 10 ms ticks). " +
      "The machine's two cores are shared by all of these: what one process uses, the others cannot. " +
      "The direct row's server is the upstream itself. PostgreSQL (the request log) is not counted.",
    table(
      ["target", "server process", "upstream", "redis-server", "load generator", "sum"],
      m.http.map(({ target, cpuPerRequest: cpu }) => {
        const direct = target.key === "direct";
        const sum = (direct ? 0 : cpu.server) + cpu.upstream + cpu["redis-server"] + cpu["load generator"];
        return [
          target.name,
          direct ? "–" : cpu.server.toFixed(0),
          cpu.upstream.toFixed(0),
          cpu["redis-server"].toFixed(0),
          cpu["load generator"].toFixed(0),
          sum.toFixed(0),
        ];
      }),
    ),
    "Request log right after the HTTP runs (each app's own metrics): rows still waiting to be written, and rows dropped.",
    table(
      ["app", "rows waiting", "rows dropped"],
      m.backlogs.map(({ name, waiting, dropped }) => [name, String(waiting), String(dropped)]),
    ),
  ];
}

const goalsSection = (m: Measurements): string[] => [
  "### Targets",
  table(
    ["check", "figure", "target", "met"],
    goals.map((goal) => goalRow(goal, m)),
  ),
];

const memorySection = ({ streamsMemory, transfers }: Measurements): string[] => [
  "### Resident memory (the app's server process, /proc VmRSS; MB = 10^6 bytes)",
  `${idleStreams} event streams held open through ${targetDefinitions.gatewayMemory.name} with no events flowing: ` +
    `${streamsMemory.idleMB.toFixed(0)} MB before, ${streamsMemory.withStreamsMB.toFixed(0)} MB with them open, ` +
    `${((streamsMemory.addedMB * 1e6) / idleStreams / 1024).toFixed(1)} KiB per stream.`,
  table(
    ["path", "transfer", "seconds", "MB/s", "resident before MB", "peak MB", "rise MB"],
    transfers.flatMap(({ name, results }) =>
      results.map((result) => [
        name,
        `${result.direction} ${result.bytes / 2 ** 30} GiB`,
        result.seconds.toFixed(1),
        (result.bytes / 1e6 / result.seconds).toFixed(0),
        result.idleMB.toFixed(0),
        result.peakMB.toFixed(0),
        result.addedMB.toFixed(0),
      ]),
    ),
  ),
];

const sseSection = ({ sse }: Measurements): string[] => [
  `### SSE: upstream write to client read, ${sseEvents} events ${sseIntervalMs} ms apart, no other load`,
  table(
    ["path", "p50 ms", "p99 ms", "max ms"],
    sse.map(({ name, latencies }) => {
      const { p50, p99 } = summarise(latencies);
      return [name, ms(p50), ms(p99), ms(Math.max(...latencies))];
    }),
  ),
];

const microSection = ({ micro }: Measurements): string[] => [
  "### Limiter, breaker and session check alone (in process, sequential calls, limits lifted)",
  table(
    ["call", "calls", "p50 ms", "p99 ms", "Redis round trips per call (by command)"],
    micro.map((row) => [row.name, perSecond(row.calls), row.p50.toFixed(4), row.p99.toFixed(4), row.perCall ? commands(row.perCall) : "–"]),
  ),
];

const batchesSection = ({ batches }: Measurements): string[] => [
  `### Request log: ${batches.batches} batches of ${batches.rows} rows through the recorder (in process, the apps' batch size)`,
  table(
    ["wall p50 ms", "wall p99 ms", "longest event-loop stall per batch, p50 ms", "longest event-loop stall, max ms"],
    [[ms(batches.wall.p50), ms(batches.wall.p99), ms(batches.blocked.p50), ms(batches.blocked.max)]],
  ),
];

const roundTripsSection = ({ roundTrips }: Measurements): string[] => [
  `### Redis round trips per gateway request (MONITOR over ${roundTripRequests} sequential requests; commands run inside Lua scripts excluded)`,
  table(
    ["path", "round trips per request (by command)"],
    roundTrips.map((row) => [row.name, commands(row.perRequest)]),
  ),
];

const sections = [httpSection, cpuSection, goalsSection, memorySection, sseSection, microSection, batchesSection, roundTripsSection];

/** What the measurements run against: the processes, the signed-in owner's deployment, and every target. */
interface Bench {
  h: Harness<unknown>;
  redis: DisposableRedis;
  redisUrl: string;
  apps: Record<AppRole, RunningApp>;
  servers: Record<ServerRole, { url: string; pid: number }>;
  headers: Record<string, string>;
  targets: BenchTarget[];
}

async function setUp(): Promise<Bench> {
  progress("starting Redis, PostgreSQL database, upstream and bare proxy");
  const redis = new DisposableRedis();
  cleanups.push(() => redis.stop());
  await redis.start();
  const redisUrl = await redis.url();
  const database = await createScratchDatabase("gatehouse_bench", { adminUrl, migrate: true });
  cleanups.push(() => database.drop());
  Object.assign(process.env, { DATABASE_URL: database.url, NEXTAUTH_SECRET: testSecret, NEXT_TELEMETRY_DISABLED: "1" });
  await prepareEnvironment();
  cleanups.push(() => db().$disconnect());
  const upstream = await startServer(["upstream"]);
  const proxy = await startServer(["proxy", upstream.url]);
  progress("building and starting the Next floor app (bench/next-floor)");
  const floor = await startNextFloor(upstream.url);

  progress("starting the apps");
  // The owner signs in through the first app; the deployment's own limit is lifted like the user's.
  const h = await harness(teardown, {
    upstream: { url: upstream.url },
    deployment: { rateLimit: "1000000/1s" },
    apps: appRoleNames.map((role) => appRoles[role].env(redisUrl)),
  });
  await prepared(h.apps);
  const apps = Object.fromEntries(appRoleNames.map((role, i) => [role, h.apps[i]])) as Record<AppRole, RunningApp>;
  const appServers = await Promise.all(appRoleNames.map(async (role) => [role, { url: apps[role].url, pid: await serverProcessId(apps[role].process.pid!) }]));
  const servers = { upstream, proxy, floor, ...Object.fromEntries(appServers) } as Bench["servers"];
  const headers = { cookie: h.owner.cookie };
  const targets = (Object.entries(targetDefinitions) as [TargetKey, TargetDefinition][]).map(([key, { name, server, path: at }]) => ({
    key,
    name,
    url: `${servers[server].url}${at === "gateway" ? `${h.deployment.path}/` : at}`,
    headers,
  }));
  for (const target of targets) await expectOk(target);
  return { h, redis, redisUrl, apps, servers, headers, targets };
}

async function measure({ h, redis, redisUrl, apps, servers, headers, targets }: Bench): Promise<Measurements> {
  const target = (key: TargetKey) => targets.find((candidate) => candidate.key === key)!;
  progress("limiter and breaker micro-benchmarks");
  const micro = await microBenchmarks(redisUrl, testSecret, headers.cookie);
  progress("request log batches");
  const batches = await requestLogBatches(500, 10);
  progress("Redis round trips per gateway request");
  const roundTrips = [];
  for (const key of roundTripTargets) roundTrips.push({ name: target(key).name, perRequest: await redisCommandsPerRequest(redisUrl, target(key)) });

  const serverOf = new Map<Target, number>(targets.map((candidate) => [candidate, servers[targetDefinitions[candidate.key].server].pid]));
  const http = await measureHttp(targets, serverOf, { upstream: servers.upstream.pid, "redis-server": redis.pid! });
  const backlogs = await Promise.all(appRoleNames.map(async (role) => ({ name: appRoles[role].name, ...(await requestLogBacklog(apps[role])) })));

  progress("SSE");
  const sse: Measurements["sse"] = [];
  for (const key of sseTargets) {
    const url = new URL("sse", target(key).url).toString();
    await sseCrossing(url, headers, 20, sseIntervalMs);
    sse.push({ name: target(key).name, latencies: await sseCrossing(url, headers, sseEvents, sseIntervalMs) });
  }

  progress(`memory: ${idleStreams} idle event streams, then ${transferBytes / 2 ** 30} GiB down and up through each gateway path`);
  // Fresh apps, warmed up a little: the ones just measured still carry the garbage of the HTTP runs,
  // which a collection may free in the middle of a memory figure.
  const [freshFast, freshRoute] = await prepared(await h.startApps([appRoles.memory.env(redisUrl), appRoles.route.env(redisUrl)]));
  const gatewayPath = `${h.deployment.path}/`;
  const freshFastUrl = `${freshFast.url}${gatewayPath}`;
  const freshRouteUrl = `${freshRoute.url}${gatewayPath}`;
  for (const url of [freshFastUrl, freshRouteUrl]) await saturate({ name: "memory warm-up", url, headers }, 2, 8);
  const memoryPid = await serverProcessId(freshFast.process.pid!);
  const streamsMemory = await idleStreamsMemory(memoryPid, `${freshFastUrl}sse?count=1000000&interval=600000`, headers, idleStreams);
  const transfers = [
    { name: target("gatewayMemory").name, results: await transferMemory(memoryPid, freshFastUrl, headers, transferBytes) },
    { name: target("gatewayRoute").name, results: await transferMemory(await serverProcessId(freshRoute.process.pid!), freshRouteUrl, headers, transferBytes) },
  ];

  const profiles: string[] = [];
  if (withProfile) {
    finishing = true;
    for (const app of [apps.fast, apps.route, apps.memory]) await app.stop();
    profiles.push(await profileGateway(h, target("gatewayFast").name, appRoles.fast.env(redisUrl), h.deployment.path, headers));
    profiles.push(await profileGateway(h, target("gatewayRoute").name, appRoles.route.env(redisUrl), h.deployment.path, headers));
  }
  return { http, backlogs, sse, streamsMemory, transfers, micro, batches, roundTrips, profiles };
}

async function main(): Promise<void> {
  const machine = `${cpus().length} cores (${cpus()[0].model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, Node ${process.version}`;
  // Anything else running on the machine shows here, and in every figure.
  const busyBefore = await busyShare();
  const heading = `## Gatehouse bench, ${new Date().toISOString()}`;
  const measurements = await measure(await setUp());
  const busy = `CPU busy with work other than the bench: ${percent(busyBefore)} before it, ${percent(await busyShare())} after its measurements (the apps idle).`;
  console.log(paragraphs(heading, machine, ...sections.flatMap((section) => section(measurements)), ...measurements.profiles, busy));
}

process.once("SIGINT", () => void cleanUp().finally(() => process.exit(130)));
main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(cleanUp);
