import type { OutgoingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import { type AppHosts, appHosts } from "@/lib/app-origins/app-hosts";
import { redeemHandoff } from "@/lib/app-origins/redeem-handoff";
import { config } from "@/lib/config";
import { type RoutableDeployment, routableDeployment } from "@/lib/deployments/cache";
import { recordDeploymentEvent } from "@/lib/deployments/events";
import { AnonymousGuard } from "@/lib/gateway/anonymous-guard";
import { type BreakerTicket, CircuitBreakers } from "@/lib/gateway/breaker";
import { circuitStore } from "@/lib/gateway/circuit-store";
import { corsHeaders, isPreflight, preflightHeaders, withCors } from "@/lib/gateway/cors";
import { Forwarder } from "@/lib/gateway/forward";
import { type ClientFacts, clientFacts, clientResponseHeaders, rewriteLocation, securityHeaders, upstreamRequestHeaders } from "@/lib/gateway/headers";
import { type Identity, identify, presentsToken } from "@/lib/gateway/identity";
import { announcedMcpCall, answeredWithError, answerShowsOutcome, BodyPrefix, type McpCall, mayCarryMcpCall, mcpCallFromBody } from "@/lib/gateway/mcp-calls";
import { MeteredBody } from "@/lib/gateway/metered-body";
import { type GatewayTarget, type ResolvedPath, resolveAppPath, resolveGatewayPath, type Via } from "@/lib/gateway/path";
import { RateLimiter } from "@/lib/gateway/rate-limit";
import { isEventStream, withEndpointMapped } from "@/lib/gateway/sse-endpoint";
import type { GatewayRequest, GatewayResponse, GatewayUpgrade } from "@/lib/gateway/types";
import {
  appOriginOnly,
  deploymentNotFound,
  deploymentNotRunning,
  gatewaySignInRequired,
  methodNotAllowed,
  type Outcome,
  originNotAllowed,
  Problem,
  socketOriginRefused,
  someoneElsesPath,
  tokenOutOfScope,
  tooManySockets,
  tooManyUnauthenticated,
  upgradeNotSupported,
} from "@/lib/http/problems";
import { asProblem, renderProblem, renderProblemPage, requestIdFrom } from "@/lib/http/render-problem";
import { bearerChallenge, openCors } from "@/lib/oauth/resource-metadata";
import { gatewayMetrics } from "@/lib/operator-metrics/prometheus";
import { sharedRedis } from "@/lib/redis/client";
import { latencyMs } from "@/lib/request-log/latency";
import { requestRecorder } from "@/lib/request-log/recorder";
import { clientCountry, storedAddress, userAgentFamily } from "@/lib/request-log/request-facts";
import { CountedSlots } from "@/lib/runtime/counted-slots";
import { processSingleton } from "@/lib/runtime/process-singleton";

/** Known the moment a request arrives. */
interface Arrival {
  requestId: string;
  client: ClientFacts;
  secure: boolean;
  at: Date;
  startedAt: number;
  via: Via;
}

/**
 * What the stages have established so far. Each stage returns its result; `pass` and `upgrade` note it
 * here, because the request log records it whether a later stage refuses or not.
 */
interface Trail {
  target?: GatewayTarget;
  userId?: string;
  /** Set once the caller's own deployment is found: from then on the request counts in its analytics. */
  deployment?: RoutableDeployment;
  /** Time to the deployment's response head. */
  ttfbMs?: number;
  /** An MCP call: announced in headers, or read from the request body's start once it has passed. */
  mcp?: McpCall | null;
  /** Turned away as part of a flood without credentials: counted in metrics, not logged row by row. */
  flood?: boolean;
}

/** Everything that lets a request reach the deployment. */
interface Admitted {
  target: GatewayTarget;
  identity: Identity;
  deployment: RoutableDeployment;
  ticket: BreakerTicket;
  rateLimitHeaders: OutgoingHttpHeaders;
}

/** An answer before its body is metered: the deployment's stream or a body the gateway wrote, and how it ended. */
interface Answer {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Readable | Uint8Array | null;
  outcome: Outcome;
}

/** The request log's outcome, decided here alone: the answer's own, unless the client left or the deployment's body failed. */
function settledOutcome(answered: Outcome, clientLeft: boolean, bodyFailed: boolean): Outcome {
  if (clientLeft) return "client-aborted";
  if (bodyFailed) return "upstream-error";
  return answered;
}

const maxLoggedPath = 512;
/** RequestLog.durationMs is an int4: a socket open for weeks must not make its whole batch unwritable. */
const maxDurationMs = 2_147_483_647;
const nullBodyStatuses = new Set([204, 205, 304]);

/**
 * The gateway, built once per process. A request passes these stages in order; each returns what it
 * established or throws a Problem from lib/http/problems.ts, which carries its status and outcome:
 *
 *   target      path.ts        which deployment and upstream path: from the gateway path (308 to add the
 *                              root's slash), or from an app origin's host (its handoff answered here)
 *   preflight   cors.ts        CORS preflights are answered here, before credentials
 *   identity    identity.ts    session cookie, app session or API token
 *   authorize   here           the path's user is the caller, the deployment is theirs and running; with
 *                              app origins, a browser session on the gateway path is sent to the app's origin
 *   limit       rate-limit.ts  per user and per deployment
 *   breaker     breaker.ts     per deployment
 *   forward     forward.ts     undici, both bodies streamed; the outcome feeds the breaker
 *   respond     headers.ts     the deployment's headers mapped, security headers, CORS, RateLimit
 *   record      here           one request-log row and one Prometheus observation, when the body ends
 *
 * WebSocket upgrades take the same stages from target to breaker, forward the upgrade, and are
 * recorded when their socket closes.
 */
class Gateway {
  private readonly settings = config();
  private readonly appHosts = appHosts();
  private readonly forwarder = new Forwarder(this.settings);
  private readonly rateLimiter = new RateLimiter(this.settings, sharedRedis());
  private readonly metrics = gatewayMetrics();
  /** Open WebSockets per user on this instance. */
  private readonly openSockets = new CountedSlots();
  private readonly anonymous = new AnonymousGuard(this.settings.GATEWAY_RATE_LIMIT_ANONYMOUS);
  private readonly breakers = new CircuitBreakers(this.settings, circuitStore(), (transition) => {
    this.metrics.circuitChanged(transition.deploymentId, transition.to);
    recordDeploymentEvent({ ...transition, kind: "breaker" });
  });

  async handle(request: GatewayRequest): Promise<GatewayResponse> {
    const arrival = this.arrive(request);
    const trail: Trail = {};
    let bytesIn = 0;
    const sniffed = mayCarryMcpCall(request.method, request.headers) ? this.sniffCall(request, trail) : undefined;
    const bodyEnded = (bytes: number) => {
      bytesIn = bytes;
      if (sniffed) trail.mcp = mcpCallFromBody(sniffed);
    };
    const body = request.body && counted(request.body, bodyEnded, sniffed);
    let answer: Answer;
    try {
      answer = await this.pass({ ...request, body }, arrival, trail);
    } catch (error) {
      answer = await this.refuse(error, request, arrival, trail);
    }
    return this.recorded(request, arrival, trail, answer, () => bytesIn);
  }

  /**
   * MCP calls are recorded by method and name: from the headers 2026-07-28 clients send, otherwise from the
   * body's first bytes as they pass (never held back). Returns where to keep those bytes, if they are needed.
   */
  private sniffCall(request: GatewayRequest, trail: Trail): BodyPrefix | undefined {
    trail.mcp = announcedMcpCall(request.headers);
    return trail.mcp ? undefined : new BodyPrefix();
  }

  private async pass(request: GatewayRequest, arrival: Arrival, trail: Trail): Promise<Answer> {
    const route = this.route(request);
    if ("redirect" in route) return redirect(route.redirect, 308, arrival, "answered");
    if ("handoff" in route) {
      const { status, headers } = await redeemHandoff(request.method, request.query, route.handoff, arrival.secure);
      return { status, headers: { ...headers, ...securityHeaders(arrival.requestId, arrival.secure) }, body: null, outcome: "answered" };
    }
    // Browsers send preflights without credentials.
    if (isPreflight(request.method, request.headers)) return this.preflight(request, route.target, arrival);
    trail.target = route.target;
    const admitted = await this.admit(request, route.target, trail, arrival.client.clientAddress);
    const upstream = await this.contact(admitted.ticket, () =>
      this.forwarder.send(
        admitted.deployment.target.origin,
        upstreamPath(admitted, request),
        request.method,
        this.upstreamHeaders(request, admitted, arrival),
        request.body,
        request.signal,
      ),
    );
    trail.ttfbMs = Math.round(performance.now() - arrival.startedAt);
    const { target, prefix, via } = { target: admitted.deployment.target, prefix: admitted.target.prefix, via: admitted.target.via };
    const headers = {
      ...withCors(
        clientResponseHeaders(upstream.headers, { target, prefix, ownOrigin: via === "app-origin", requestId: arrival.requestId, secure: arrival.secure }),
        corsHeaders(request.headers.origin, admitted.deployment),
      ),
      ...admitted.rateLimitHeaders,
    };
    // These answers have no body by definition (and Fetch's Response refuses one): whatever came is drained.
    if (nullBodyStatuses.has(upstream.status)) {
      upstream.body.resume();
      return { status: upstream.status, headers, body: null, outcome: "proxied" };
    }
    const body =
      via === "gateway-path" && isEventStream(headers)
        ? withEndpointMapped(upstream.body, headers, (url) => rewriteLocation(url, target, prefix))
        : upstream.body;
    return { status: upstream.status, headers, body, outcome: "proxied" };
  }

  /** A WebSocket (or other upgrade): the deployment's 101 and socket, or a refusal to write before any switch. */
  async upgrade(request: GatewayRequest): Promise<GatewayUpgrade | GatewayResponse> {
    const arrival = this.arrive(request);
    const trail: Trail = {};
    let releaseSocket = () => {};
    try {
      const route = this.route(request);
      if ("redirect" in route) return this.recorded(request, arrival, trail, redirect(route.redirect, 308, arrival, "answered"), () => 0);
      if (!("target" in route)) throw methodNotAllowed("GET, HEAD");
      trail.target = route.target;
      if (String(request.headers.upgrade ?? "").toLowerCase() !== "websocket") throw upgradeNotSupported();
      await this.checkSocketOrigin(request, route.target, arrival);
      const admitted = await this.admit(request, route.target, trail, arrival.client.clientAddress);
      releaseSocket = this.holdSocket(admitted.identity.userId);
      const protocol = "websocket";
      const upstream = await this.contact(admitted.ticket, () =>
        this.forwarder.upgrade(
          admitted.deployment.target.origin,
          upstreamPath(admitted, request),
          this.upstreamHeaders(request, admitted, arrival),
          protocol,
          request.signal,
        ),
      );
      trail.ttfbMs = Math.round(performance.now() - arrival.startedAt);
      const headers = clientResponseHeaders(upstream.headers, {
        target: admitted.deployment.target,
        prefix: admitted.target.prefix,
        ownOrigin: admitted.target.via === "app-origin",
        requestId: arrival.requestId,
        secure: arrival.secure,
      });
      return {
        headers: { ...headers, connection: "Upgrade", upgrade: protocol },
        socket: upstream.socket,
        idleTimeoutMs: this.settings.GATEWAY_WEBSOCKET_IDLE_TIMEOUT_MS,
        closed: (bytesIn, bytesOut, { switched, failed }) => {
          releaseSocket();
          this.record(request, arrival, trail, 101, settledOutcome("proxied", !switched, failed), bytesIn, bytesOut);
        },
      };
    } catch (error) {
      releaseSocket();
      return this.recorded(request, arrival, trail, this.refuseUpgrade(error, arrival), () => 0);
    }
  }

  /**
   * Counts a user's open WebSockets on this instance, refusing one past GATEWAY_WEBSOCKETS_PER_USER (0: no
   * cap); returns what to call when it closes. A failed handshake releases its place at once.
   */
  private holdSocket(userId: string): () => void {
    const cap = this.settings.GATEWAY_WEBSOCKETS_PER_USER;
    const release = this.openSockets.take(userId, cap || Number.POSITIVE_INFINITY);
    if (!release) throw tooManySockets(cap);
    return release;
  }

  /**
   * Browsers send cookies with a WebSocket handshake from any site and enforce no CORS on it, so a page
   * elsewhere could open a socket as the signed-in user (cross-site WebSocket hijacking). A handshake
   * with an Origin is taken only from the origin it was sent to or one the deployment allows by name
   * ("*" does not count: cookies would ride along). Programs send no Origin and are not affected.
   */
  private async checkSocketOrigin(request: GatewayRequest, target: GatewayTarget, arrival: Arrival): Promise<void> {
    const origin = request.headers.origin;
    if (!origin || origin === `${arrival.client.proto}://${arrival.client.host}`) return;
    const deployment = await routableDeployment(target.deploymentId);
    if (!deployment?.corsOrigins.has(origin)) throw socketOriginRefused();
  }

  private arrive(request: GatewayRequest): Arrival {
    const client = clientFacts(request.headers, request.peerAddress, request.peerSecure, this.settings.GATEWAY_TRUSTED_PROXIES);
    return {
      requestId: requestIdFrom(request.headers["x-request-id"]),
      client,
      secure: client.proto === "https",
      at: new Date(),
      startedAt: performance.now(),
      via: request.appDeploymentId === undefined ? "gateway-path" : "app-origin",
    };
  }

  private route(request: GatewayRequest): ResolvedPath {
    return request.appDeploymentId === undefined ? resolveGatewayPath(request.path, request.query) : resolveAppPath(request.appDeploymentId, request.path);
  }

  /**
   * identity → authorize → limit → breaker: everything that may refuse before the deployment is
   * contacted. A stage whose caches hold the answer returns it without a promise, and only real
   * promises are awaited (lib/runtime/awaitable.ts).
   */
  private async admit(request: GatewayRequest, target: GatewayTarget, trail: Trail, address: string): Promise<Admitted> {
    if (this.anonymous.isFlooding(address)) {
      trail.flood = true;
      throw tooManyUnauthenticated(this.anonymous.retryAfterSeconds(address));
    }
    const identifying = identify(request.headers, target);
    const identified = identifying instanceof Promise ? await identifying : identifying;
    if (!identified) this.anonymous.refused(address);
    const identity = signedIn(identified, request);
    trail.userId = identity.userId;
    if (target.userId !== null && identity.userId !== target.userId) throw someoneElsesPath();
    const finding = routableDeployment(target.deploymentId);
    const deployment = ownedBy(identity, finding instanceof Promise ? await finding : finding);
    trail.deployment = deployment;
    if (identity.deployments && !identity.deployments.has(deployment.id)) throw tokenOutOfScope();
    if (this.appHosts && target.via === "gateway-path" && identity.credential === "session") throw this.toAppOrigin(request, target, this.appHosts);
    if (deployment.status !== "running") throw deploymentNotRunning(deployment.name, deployment.status);
    const limiting = this.rateLimiter.check(identity.userId, deployment);
    const rateLimitHeaders = limiting instanceof Promise ? await limiting : limiting;
    const admitting = this.breakers.admit(deployment.id, deployment.name);
    const ticket = admitting instanceof Promise ? await admitting : admitting;
    return { target, identity, deployment, ticket, rateLimitHeaders };
  }

  /** Contacts the deployment and tells its breaker how it went: unreachable, too slow and 5xx are failures. */
  private async contact<T extends { status: number }>(ticket: BreakerTicket, send: () => Promise<T>): Promise<T> {
    try {
      const result = await send();
      this.breakers.record(ticket, result.status >= 500 ? "failure" : "success", `status ${result.status}`);
      return result;
    } catch (error) {
      const upstreamFault = error instanceof Problem && error.outcome === "upstream-error";
      this.breakers.record(ticket, upstreamFault ? "failure" : undefined, upstreamFault ? error.title.toLowerCase() : "");
      throw error;
    }
  }

  /**
   * With app origins, deployment content is never served to a browser session on the hub's origin: a page
   * navigation goes through the handoff to the same path on the app's origin, anything else is refused.
   */
  private toAppOrigin(request: GatewayRequest, target: GatewayTarget, hosts: AppHosts): Problem {
    return appOriginOnly(hosts.originOf(target.deploymentId), hosts.handoffPath(target.deploymentId, target.upstreamPath + request.query));
  }

  private upstreamHeaders(request: GatewayRequest, admitted: Admitted, arrival: Arrival) {
    return upstreamRequestHeaders(request.headers, {
      target: admitted.target,
      client: arrival.client,
      requestId: arrival.requestId,
      userId: admitted.identity.userId,
      canRelayContentEncoding: request.canRelayContentEncoding,
    });
  }

  /** A preflight is answered either way, and recorded so: the browser, not the gateway, enforces a refusal. */
  private async preflight(request: GatewayRequest, target: GatewayTarget, arrival: Arrival): Promise<Answer> {
    const requested = request.headers["access-control-request-headers"];
    const headers = preflightHeaders(
      request.headers.origin,
      await routableDeployment(target.deploymentId),
      typeof requested === "string" ? requested : undefined,
    );
    if (!headers) return { ...this.rendered(originNotAllowed(), arrival), outcome: "answered" };
    return { status: 204, headers: { ...headers, ...securityHeaders(arrival.requestId, arrival.secure) }, body: null, outcome: "answered" };
  }

  /** A problem as the client gets it: a browser is sent to sign in, code on an allowed origin may read the problem. */
  private async refuse(error: unknown, request: GatewayRequest, arrival: Arrival, trail: Trail): Promise<Answer> {
    const problem = asProblem(error, arrival.requestId);
    if (problem.outcome === "client-aborted") return this.rendered(problem, arrival);
    const navigation = wantsHtml(request);
    if (navigation) {
      const destination = problem.status === 401 ? this.signIn(request, arrival) : problem.navigateTo;
      if (destination) return redirect(destination, 303, arrival, problem.outcome);
    }
    const answer = navigation && this.appHosts && arrival.via === "app-origin" ? this.page(problem, arrival, this.appHosts) : this.rendered(problem, arrival);
    return { ...answer, headers: { ...answer.headers, ...(await this.refusalCors(request, trail, problem)) } };
  }

  /** Where a browser signs in: the hub's sign-in page, or for an app origin the hub's handoff back to this path. */
  private signIn(request: GatewayRequest, arrival: Arrival): string {
    const returnTo = request.path + request.query;
    if (this.appHosts && arrival.via === "app-origin" && request.appDeploymentId) return this.appHosts.handoffUrl(request.appDeploymentId, returnTo);
    return `/signin?callbackUrl=${encodeURIComponent(returnTo)}`;
  }

  /** A problem as a page, for a person's browser on an app origin: the hub's pages are on another origin. */
  private page(problem: Problem, arrival: Arrival, hosts: AppHosts): Answer {
    const { status, headers, body } = renderProblemPage(problem, arrival.requestId, {
      href: `${hosts.hubOrigin}/dashboard`,
      label: "Go to your Gatehouse dashboard",
    });
    return { status, headers: { ...headers, ...securityHeaders(arrival.requestId, arrival.secure) }, body, outcome: problem.outcome };
  }

  /** A refused upgrade: the problem alone, written on the socket before any switch (no sign-in redirect, no CORS). */
  private refuseUpgrade(error: unknown, arrival: Arrival): Answer {
    return this.rendered(asProblem(error, arrival.requestId), arrival);
  }

  /** A problem's answer; none to send when the client has left, only its record. */
  private rendered(problem: Problem, arrival: Arrival): Answer {
    if (problem.outcome === "client-aborted") return { status: problem.status, headers: {}, body: null, outcome: problem.outcome };
    const { status, headers, body } = renderProblem(problem, arrival.requestId);
    return { status, headers: { ...headers, ...securityHeaders(arrival.requestId, arrival.secure) }, body, outcome: problem.outcome };
  }

  private async refusalCors(request: GatewayRequest, trail: Trail, problem: Problem): Promise<OutgoingHttpHeaders> {
    const origin = request.headers.origin;
    if (!origin || !trail.target) return {};
    const deployment = trail.deployment ?? (await Promise.resolve(routableDeployment(trail.target.deploymentId)).catch(() => null));
    const allowed = corsHeaders(origin, deployment);
    // A browser-based MCP client must read the challenge to find the authorization server; it holds nothing private.
    return problem.status === 401 && !allowed["access-control-allow-origin"] ? openCors : allowed;
  }

  /** Hands the answer on, and records the request once its body has been sent in full, has failed, or was abandoned. */
  private recorded(request: GatewayRequest, arrival: Arrival, trail: Trail, answer: Answer, bytesIn: () => number): GatewayResponse {
    const { status, headers, body, outcome } = answer;
    // A call's answer says whether it failed; only a deployment's answer to a call is read for it.
    const answerKind = trail.mcp && outcome === "proxied" ? answerShowsOutcome(headers) : null;
    const answerPrefix = answerKind ? new BodyPrefix() : undefined;
    const finish = (bytesOut: number, bodyFailed: boolean) => {
      if (trail.mcp && answerPrefix && answerKind) trail.mcp.error = answeredWithError(answerPrefix, answerKind);
      this.record(request, arrival, trail, status, settledOutcome(outcome, request.signal.aborted, bodyFailed), bytesIn(), bytesOut);
    };
    if (body === null || body instanceof Uint8Array) {
      finish(body?.length ?? 0, false);
      return { status, headers, body };
    }
    return { status, headers, body: new MeteredBody(body, finish, headers["content-length"] === undefined, answerPrefix) };
  }

  private record(request: GatewayRequest, arrival: Arrival, trail: Trail, status: number, outcome: Outcome, bytesIn: number, bytesOut: number): void {
    const durationMs = Math.min(performance.now() - arrival.startedAt, maxDurationMs);
    this.metrics.observe(status, outcome, request.method, latencyMs(status, durationMs, trail.ttfbMs) / 1000);
    if (trail.flood) {
      this.anonymous.turnedAway();
      return;
    }
    requestRecorder().record({
      at: arrival.at,
      requestId: arrival.requestId,
      userId: trail.userId ?? null,
      deploymentId: trail.deployment?.id ?? null,
      method: request.method,
      path: (trail.target?.upstreamPath ?? request.path).slice(0, maxLoggedPath),
      status,
      outcome,
      durationMs: Math.round(durationMs),
      ttfbMs: trail.ttfbMs ?? null,
      bytesIn,
      bytesOut,
      country: clientCountry(request.headers, this.settings.GATEWAY_COUNTRY_HEADER, arrival.client.clientAddress),
      clientAddress: storedAddress(arrival.client.clientAddress, this.settings.GATEWAY_LOG_CLIENT_ADDRESS),
      userAgentFamily: userAgentFamily(request.headers["user-agent"]),
      via: arrival.via,
      mcpMethod: trail.mcp?.method ?? null,
      mcpName: trail.mcp?.name ?? null,
      mcpError: trail.mcp?.error ?? null,
    });
  }
}

/** A 401's challenge tells an OAuth client where to learn how to get a token for exactly this resource. */
function signedIn(identity: Identity | null, request: GatewayRequest): Identity {
  if (!identity) throw gatewaySignInRequired(bearerChallenge(request.appDeploymentId, request.path, presentsToken(request.headers)));
  return identity;
}

/** Another user's deployment is as unknown as a missing one: its existence is not the caller's to learn. */
function ownedBy(identity: Identity, deployment: RoutableDeployment | null): RoutableDeployment {
  if (!deployment || deployment.userId !== identity.userId) throw deploymentNotFound();
  return deployment;
}

function upstreamPath(admitted: Admitted, request: GatewayRequest): string {
  return admitted.deployment.target.pathname.replace(/\/+$/, "") + admitted.target.upstreamPath + request.query;
}

function wantsHtml(request: GatewayRequest): boolean {
  return (request.method === "GET" || request.method === "HEAD") && /text\/html/.test(String(request.headers.accept ?? ""));
}

function redirect(location: string, status: number, arrival: Arrival, outcome: Outcome): Answer {
  return { status, headers: { location, ...securityHeaders(arrival.requestId, arrival.secure) }, body: null, outcome };
}

/** Counts a request body's bytes as they pass (keeping its start when asked), and reports once when it ends, fails or is abandoned. */
async function* counted(body: AsyncIterable<Uint8Array>, onEnd: (bytes: number) => void, prefix?: BodyPrefix): AsyncIterable<Uint8Array> {
  let bytes = 0;
  try {
    for await (const chunk of body) {
      bytes += chunk.length;
      prefix?.add(chunk);
      yield chunk;
    }
  } finally {
    onEnd(bytes);
  }
}

/** The process's gateway: its connection pool, limiters, breakers and derived keys outlive requests. */
export const gateway = processSingleton("gateway", () => new Gateway());
