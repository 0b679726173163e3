/**
 * `npm run bench:account-timing`: can a client tell known emails from unknown ones by how long the hub
 * takes to answer? Starts the built app on a scratch PostgreSQL database and, one request at a time,
 * alternates sign-ups for a taken email with sign-ups for new ones, then password sign-ins with a wrong
 * password for an existing account with sign-ins for an unknown email. Prints each side's median and
 * 90th percentile and says whether the medians are within the goal (10 % of each other). Needs
 * `npm run build`. Environment: BENCH_POSTGRES_URL (default the local server).
 */
import { randomUUID } from "node:crypto";
import { percentile } from "./load";
import { benchOnScratchApp } from "./scratch-app";

const rounds = 40;
const goal = 0.1;
const progress = (message: string) => console.error(`… ${message}`);

async function timed(send: () => Promise<Response>): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const response = await send();
  await response.arrayBuffer();
  return { ms: performance.now() - started, status: response.status };
}

// The test apps' attempt limits are lifted (testkit/app.ts): every attempt reaches the code whose timing is measured.
benchOnScratchApp("gatehouse_bench_account_timing", { upstream: null, apps: [{}] }, async (h) => {
  const signUp = (email: string) =>
    fetch(`${h.app}/api/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: "a fine password" }),
    });
  const csrf = await fetch(`${h.app}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookie = csrf.headers
    .getSetCookie()
    .map((line) => line.split(";")[0])
    .join("; ");
  const signIn = (email: string) =>
    fetch(`${h.app}/api/auth/callback/credentials`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ email, password: "a wrong password", csrfToken, json: "true" }),
    });

  const comparisons = [
    { what: "sign-up", known: () => signUp(h.owner.email), unknown: () => signUp(`new-${randomUUID()}@example.test`) },
    { what: "sign-in, wrong password", known: () => signIn(h.owner.email), unknown: () => signIn(`nobody-${randomUUID()}@example.test`) },
  ];
  const lines = [
    `## Known and unknown emails, by timing (\`npm run bench:account-timing\`), ${new Date().toISOString().slice(0, 10)}`,
    "",
    `One request at a time, ${rounds} of each kind, alternating. Goal: medians within ${goal * 100} % of each other.`,
    "",
    "| request | email | answers | median (ms) | p90 (ms) |",
    "| --- | --- | --- | ---: | ---: |",
  ];
  const verdicts: string[] = [];
  for (const { what, known, unknown } of comparisons) {
    progress(what);
    await known();
    await unknown();
    const samples = { known: [] as { ms: number; status: number }[], unknown: [] as { ms: number; status: number }[] };
    for (let round = 0; round < rounds; round++) {
      samples.known.push(await timed(known));
      samples.unknown.push(await timed(unknown));
    }
    const medians: number[] = [];
    for (const side of ["known", "unknown"] as const) {
      const sorted = samples[side].map((sample) => sample.ms).sort((a, b) => a - b);
      const statuses = [...new Set(samples[side].map((sample) => sample.status))].join(", ");
      medians.push(percentile(sorted, 50));
      lines.push(`| ${what} | ${side} | ${statuses} | ${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 90).toFixed(1)} |`);
    }
    const gap = Math.abs(medians[0] - medians[1]) / Math.max(...medians);
    verdicts.push(`${what}: medians ${(gap * 100).toFixed(1)} % apart, ${gap < goal ? "met" : "not met"}.`);
  }
  console.log([...lines, "", ...verdicts].join("\n"));
});
