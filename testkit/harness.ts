/**
 * The set-up the integration tests, the bench and scripts share: an upstream, the app (the suite's, or
 * apps of the harness's own), a signed-in owner with a deployment in front of the upstream, a `call`
 * helper, and a teardown that undoes all of it, last first, registered with `t.after`.
 *
 *   before(async (t) => {
 *     h = await harness(t);                          // TestUpstream, suite app, owner, deployment
 *   });
 *   test("…", async (t) => {
 *     const own = await harness(t, { apps: [{ GATEWAY_TRUSTED_PROXIES: "1" }] });   // torn down after this test
 *     const response = await own.call(`${own.deployment.path}/`);
 *   });
 */
import type { SuiteContext } from "node:test";
import { type AppEnv, type RunningApp, type StartOptions, startApp } from "./app";
import { currentPass, suiteAppUrl } from "./suite";
import { TestUpstream } from "./upstream";
import { type DeploymentOptions, newApiToken, newDeployment, newUser, patchDeployment, type TestDeployment, type TestUser } from "./users";

/** What registers the harness's teardown: node:test's `t` (of a test, or of a `before` hook), or a runner's own clean-up list. */
export interface Teardown {
  after(fn: () => unknown): void;
}

/** A deployment's upstream: the harness starts and stops it when it can, or only points deployments at its URL. */
export interface Upstream {
  readonly url: string;
  start?(): Promise<unknown>;
  stop?(): unknown;
}

export interface HarnessOptions<U extends Upstream | null> {
  /** A TestUpstream by default; null for none (and then no deployment). */
  upstream?: U;
  /**
   * Apps of the harness's own, one environment each, started side by side (they inherit this process's
   * environment: in the suite, its DATABASE_URL). Without any, calls go to the app scripts/test.ts started.
   */
  apps?: AppEnv[];
  appOptions?: StartOptions;
  /** The owner's deployment in front of the upstream (`path` is appended to its URL); false for none. */
  deployment?: DeployOptions | false;
}

interface DeployOptions extends DeploymentOptions {
  /** Appended to the upstream's URL: `/flaky`, `/base`. */
  path?: string;
  /** Anything else to forward to, instead of the upstream. */
  target?: string;
  owner?: TestUser;
}

export interface CallInit extends RequestInit {
  /** The Cookie header (the owner's session by default; "" for none). */
  cookie?: string;
  /** Another app than the harness's. */
  app?: string | RunningApp;
}

export interface Harness<U> {
  /** Where calls go: the harness's first app, or the suite's. */
  readonly app: string;
  /** The apps the harness started. */
  readonly apps: RunningApp[];
  readonly upstream: U;
  /** A new user, signed in. */
  readonly owner: TestUser;
  /** The owner's deployment in front of the upstream. */
  readonly deployment: TestDeployment;
  /** `fetch` of a path of the app, as the owner unless `cookie` says otherwise. */
  call(path: string, init?: CallInit): Promise<Response>;
  /** Another user, signed in. */
  newUser(): Promise<TestUser>;
  /** Another deployment, the owner's and in front of the upstream unless told otherwise. */
  deploy(options?: DeployOptions): Promise<TestDeployment>;
  /** Changes a deployment the way its owner's settings page does (as the owner, through the harness's app, unless told otherwise). */
  patch(deploymentId: string, change: Record<string, unknown>, by?: { as?: TestUser; app?: string | RunningApp }): Promise<Response>;
  /** An API token of the owner's (or `user`'s). */
  apiToken(user?: TestUser): Promise<string>;
  /** Starts apps of the harness's own side by side, stopped at teardown. */
  startApps(envs: AppEnv[], options?: StartOptions): Promise<RunningApp[]>;
  /** Runs `cleanup` at teardown, before what was set up earlier is undone. */
  defer(cleanup: () => unknown): void;
}

function teardownOf(t: Teardown | SuiteContext): Teardown {
  if ("after" in t && typeof t.after === "function") return t;
  throw new TypeError("harness(t): t must be a test's or a before hook's context, or have an after() of its own");
}

/** Sets up what the options ask for (see the module's comment) and registers its teardown with `t`. */
export async function harness<U extends Upstream | null = TestUpstream>(t: Teardown | SuiteContext, options: HarnessOptions<U> = {}): Promise<Harness<U>> {
  const cleanups: (() => unknown)[] = [];
  teardownOf(t).after(async () => {
    const errors: unknown[] = [];
    for (let undo = cleanups.pop(); undo; undo = cleanups.pop()) await Promise.resolve(undo()).catch((error) => errors.push(error));
    if (errors.length) throw errors.length === 1 ? errors[0] : new AggregateError(errors, "the harness's teardown failed");
  });
  const defer = (cleanup: () => unknown) => void cleanups.push(cleanup);
  const startApps = async (envs: AppEnv[], startOptions?: StartOptions) => {
    // Settled, not raced: every app that did start is stopped at teardown, even when another failed.
    const started = await Promise.allSettled(
      envs.map(async (env) => {
        const app = await startApp(env, startOptions);
        defer(() => app.stop());
        return app;
      }),
    );
    for (const result of started) if (result.status === "rejected") throw result.reason;
    return started.map((result) => (result as PromiseFulfilledResult<RunningApp>).value);
  };

  const upstream = (options.upstream === undefined ? new TestUpstream() : options.upstream) as U;
  if (upstream?.start) {
    await upstream.start();
    defer(() => upstream.stop?.());
  }
  const apps = await startApps(options.apps ?? [], options.appOptions);

  const app = apps[0]?.url ?? suiteAppUrl();
  // Users sign in through the suite's app when there is one, as every test's users always have.
  const signInAt = currentPass() ? suiteAppUrl() : app;
  const owner = await newUser(signInAt);
  const deploy = ({ path = "", target, owner: user = owner, ...extra }: DeployOptions = {}) => {
    if (!target && !upstream) throw new Error("harness: no upstream to deploy, and no target given");
    return newDeployment(user, target ?? `${upstream!.url}${path}`, extra);
  };
  const deployment = upstream && options.deployment !== false ? await deploy(options.deployment || {}) : undefined;

  return {
    app,
    apps,
    upstream,
    owner,
    get deployment(): TestDeployment {
      if (!deployment) throw new Error("This harness made no deployment (no upstream, or `deployment: false`).");
      return deployment;
    },
    call: (path, { cookie, app: other, ...init } = {}) =>
      fetch(`${typeof other === "string" ? other : (other?.url ?? app)}${path}`, {
        ...init,
        headers: { cookie: cookie ?? owner.cookie, ...(init.headers as Record<string, string>) },
      }),
    newUser: () => newUser(signInAt),
    deploy,
    patch: (deploymentId, change, { as = owner, app: other = app } = {}) =>
      patchDeployment(as, deploymentId, change, typeof other === "string" ? other : other.url),
    apiToken: (user = owner) => newApiToken(user),
    startApps,
    defer,
  };
}
