/**
 * `npm run bench:sign-in`: does a flood of password sign-ins slow the gateway down? Starts the built app
 * on a scratch PostgreSQL database, then measures gateway GETs paced at a steady rate, alone and beside
 * 16 clients that sign in (right and wrong passwords) and sign up as fast as they are answered, every
 * attempt a password hash (limits lifted), in alternating pairs of runs. Prints
 * each pair's p99 and the ratio of the medians, and says whether the goal (under 2) is met. Needs
 * `npm run build`. Environment: BENCH_POSTGRES_URL (default the local server).
 */
import { randomUUID } from "node:crypto";
import { cpus } from "node:os";
import { median, paced } from "./load";
import { benchOnScratchApp } from "./scratch-app";

const rate = 200;
const seconds = 5;
const pairs = 3;
const flooders = 16;
const goal = 2;
const progress = (message: string) => console.error(`… ${message}`);

/** A browser's CSRF token and cookie, so that next-auth gets as far as checking the password. */
async function csrf(app: string): Promise<{ token: string; cookie: string }> {
  const response = await fetch(`${app}/api/auth/csrf`);
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return {
    token: csrfToken,
    cookie: response.headers
      .getSetCookie()
      .map((cookie) => cookie.split(";")[0])
      .join("; "),
  };
}

/** Half the clients sign in (right and wrong passwords, each a hash), half sign up new accounts (a hash each). */
async function flood(app: string, email: string, until: () => boolean): Promise<number> {
  let attempts = 0;
  await Promise.all(
    Array.from({ length: flooders }, async (_, index) => {
      const { token, cookie } = await csrf(app);
      const address = { "x-forwarded-for": `198.51.100.${index + 1}` };
      while (!until()) {
        const response =
          index % 2
            ? await fetch(`${app}/api/auth/callback/credentials`, {
                method: "POST",
                redirect: "manual",
                headers: { "content-type": "application/x-www-form-urlencoded", cookie, ...address },
                body: new URLSearchParams({ email, password: index % 4 === 1 ? "correct horse battery" : "a wrong password", csrfToken: token, json: "true" }),
              })
            : await fetch(`${app}/api/signup`, {
                method: "POST",
                headers: { "content-type": "application/json", ...address },
                body: JSON.stringify({ email: `bench-${randomUUID()}@example.test`, password: "a fine password" }),
              });
        await response.arrayBuffer();
        attempts++;
      }
    }),
  );
  return attempts;
}

// Limits lifted: the bench measures what hashing costs the process, not how soon limits refuse.
benchOnScratchApp(
  "gatehouse_bench_sign_in",
  { deployment: { rateLimit: "1000000/1s" }, apps: [{ GATEWAY_RATE_LIMIT_USER: "1000000/1s", GATEWAY_TRUSTED_PROXIES: "1" }] },
  async (h) => {
    const target = { name: "gateway", url: `${h.app}${h.deployment.path}/`, headers: { cookie: h.owner.cookie } };
    await paced(target, rate, 2, 16);
    const alone: number[] = [];
    const beside: number[] = [];
    let attempts = 0;
    for (let pair = 0; pair < pairs; pair++) {
      progress(`pair ${pair + 1} of ${pairs}`);
      alone.push((await paced(target, rate, seconds, 16)).p99);
      let done = false;
      const flooding = flood(h.app, h.owner.email, () => done);
      const measured = await paced(target, rate, seconds, 16);
      done = true;
      attempts += await flooding;
      beside.push(measured.p99);
    }
    const ratio = median(beside) / median(alone);
    const lines = [
      `## Sign-in flood beside gateway traffic (\`npm run bench:sign-in\`), ${new Date().toISOString().slice(0, 10)}`,
      "",
      `${cpus().length} cores. Gateway GETs paced at ${rate}/s for ${seconds} s, alone and beside ${flooders} clients signing in and up as fast as answered, each attempt a password hash (${Math.round(attempts / (pairs * seconds))} attempts/s), ${pairs} pairs.`,
      "",
      "| run | p99 alone (ms) | p99 beside the flood (ms) |",
      "| --- | ---: | ---: |",
      ...alone.map((value, index) => `| ${index + 1} | ${value.toFixed(1)} | ${beside[index].toFixed(1)} |`),
      "",
      `Ratio of medians: ${ratio.toFixed(2)} (goal: under ${goal}): ${ratio < goal ? "met" : "not met"}.`,
    ];
    console.log(lines.join("\n"));
  },
);
