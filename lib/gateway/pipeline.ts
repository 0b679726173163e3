import type { OutgoingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import { config } from "@/lib/config";
import { type RoutableDeployment, routableDeployment } from "@/lib/deployments/cache";
import { recordDeploymentEvent } from "@/lib/deployments/events";
import { type BreakerTicket, CircuitBreakers } from "@/lib/gateway/breaker";
import { corsHeaders, isPreflight, preflightHeaders } from "@/lib/gateway/cors";
import { ClientAbortedError, Forwarder } from "@/lib/gateway/forward";
import { type ClientFacts, clientFacts, clientResponseHeaders, requestIdFrom, securityHeaders, upstreamRequestHeaders } from "@/lib/gateway/headers";
import { Authenticator, type Identity } from "@/lib/gateway/identity";
import { MeteredBody } from "@/lib/gateway/metered-body";
import { type GatewayTarget, resolveGatewayPath } from "@/lib/gateway/path";
import { RateLimiter } from "@/lib/gateway/rate-limit";
import type { GatewayRequest, GatewayResponse, GatewayUpgrade } from "@/lib/gateway/types";
import { ApiError, internalError, problemBody, problemContentType } from "@/lib/http/problem";
import { gatewayMetrics } from "@/lib/operator-metrics/prometheus";
import { sharedRedis } from "@/lib/redis/client";
import { requestRecorder } from "@/lib/request-log/recorder";
import { clientCountry, storedAddress, userAgentFamily } from "@/lib/request-log/request-facts";
import { type Awaitable, andThen } from "@/lib/runtime/awaitable";

/** How a request the deployment never answered ended, for the request log. */
function outcomeOfRefusal(slug: string | undefined): string {
  switch (slug) {
    case undefined:
      return "answered";
    case "rate-limited":
    case "rate-limiter-unavailable":
      return "rate-limited";
    case "circuit-open":
      return "circuit-open";
    case "upstream-unreachable":
    case "upstream-timeout":
      return "upstream-error";
    case "client-aborted":
      return "client-aborted";
    case "internal":
      return "error";
    default:
      return "refused";
  }
}

const notFound = () => new ApiError(404, "deployment-not-found", "Deployment not found", "No deployment with this id belongs to you.");

function wantsHtml(request: GatewayRequest): boolean {
  return (request.method === "GET" || request.method === "HEAD") && /text\/html/.test(String(request.headers.accept ?? ""));
}

/** What the stages before forwarding establish. */
interface Admitted {
  target: GatewayTarget;
  deployment: RoutableDeployment;
  identity: Identity;
  ticket: BreakerTicket;
  rateLimitHeaders: OutgoingHttpHeaders;
}

/** What one request has established so far; the error path needs it for CORS. */
interface Progress {
  requestId: string;
  client: ClientFacts;
  at: Date;
  startedAt: number;
  target?: GatewayTarget;
  deployment?: RoutableDeployment;
  userId?: string;
  /** Set when the deployment answered: time to its response head. */
  ttfbMs?: number;
  /** The problem slug when the gateway refused or failed. */
  refusal?: string;
}

/** An answer the gateway wrote itself: a refusal, a redirect, a preflight. */
type WrittenAnswer = Omit<GatewayResponse, "body"> & { body: Uint8Array | null };
/** An answer before its body is metered: the deployment's raw stream, or one the gateway wrote. */
type Answer = Omit<GatewayResponse, "body"> & { body: Readable | Uint8Array | null };

const maxLoggedPath = 512;

/** Counts bytes as they pass, and reports once when the stream ends, fails or is abandoned. */
async function* counted(body: AsyncIterable<Uint8Array>, onEnd: (bytes: number, failed: boolean) => void): AsyncIterable<Uint8Array> {
  let bytes = 0;
  let failed = true;
  try {
    for await (const chunk of body) {
      bytes += chunk.length;
      yield chunk;
    }
    failed = false;
  } finally {
    onEnd(bytes, failed);
  }
}

/**
 * The gateway: every stage either hands its result to the next or throws an ApiError, which
 * `problem` turns into the answer. Built once per process.
 */
export class Gateway {
  private readonly settings = config();
  private readonly authenticator = new Authenticator(this.settings.NEXTAUTH_SECRET);
  private readonly forwarder = new Forwarder(this.settings);
  private readonly redis = sharedRedis(this.settings);
  private readonly rateLimiter = new RateLimiter(this.settings, this.redis);
  private readonly metrics = gatewayMetrics();
  readonly breakers = new CircuitBreakers(this.settings, this.redis, (transition) => {
    this.metrics.circuitChanged(transition.deploymentId, transition.to);
    recordDeploymentEvent({ ...transition, kind: "breaker" });
  });

  async handle(request: GatewayRequest): Promise<GatewayResponse> {
    const progress = this.start(request);
    let bytesIn = 0;
    const body = request.body && counted(request.body, (bytes) => (bytesIn = bytes));
    let response: Answer;
    try {
      response = await this.pass({ ...request, body }, progress);
    } catch (error) {
      const secure = progress.client.proto === "https";
      progress.refusal = error instanceof ApiError ? error.slug : error instanceof ClientAbortedError ? "client-aborted" : "internal";
      if (error instanceof ApiError && error.status === 401 && wantsHtml(request)) {
        response = this.redirect(`/signin?callbackUrl=${encodeURIComponent(request.path + request.query)}`, 303, progress.requestId, secure);
      } else {
        response = this.problem(error, progress.requestId, secure, await this.refusalCors(request, progress));
      }
    }
    return this.recorded(request, progress, response, () => bytesIn);
  }

  /** Records the request once its answer has been sent in full, or has failed, or was abandoned. */
  private recorded(request: GatewayRequest, progress: Progress, response: Answer, bytesIn: () => number): GatewayResponse {
    const record = (bytesOut: number, bodyFailed: boolean) => {
      const proxied = progress.ttfbMs !== undefined;
      const outcome = request.signal.aborted ? "client-aborted" : bodyFailed ? "upstream-error" : proxied ? "proxied" : outcomeOfRefusal(progress.refusal);
      const durationMs = performance.now() - progress.startedAt;
      this.metrics.observe(response.status, outcome, request.method, durationMs / 1000);
      requestRecorder().record({
        at: progress.at,
        requestId: progress.requestId,
        userId: progress.userId ?? null,
        deploymentId: progress.deployment?.id ?? null,
        method: request.method,
        path: (progress.target?.upstreamPath ?? request.path).slice(0, maxLoggedPath),
        status: response.status,
        outcome,
        durationMs: Math.round(durationMs),
        ttfbMs: progress.ttfbMs ?? null,
        bytesIn: bytesIn(),
        bytesOut,
        country: clientCountry(request.headers, this.settings.GATEWAY_COUNTRY_HEADER, progress.client.clientAddress),
        clientAddress: storedAddress(progress.client.clientAddress, this.settings.GATEWAY_LOG_CLIENT_ADDRESS),
        userAgentFamily: userAgentFamily(request.headers["user-agent"]),
      });
    };
    const { body } = response;
    if (body === null || body instanceof Uint8Array) {
      record(body?.length ?? 0, false);
      return { ...response, body };
    }
    return { ...response, body: new MeteredBody(body, record, response.headers["content-length"] === undefined) };
  }

  /**
   * A WebSocket (or other upgrade) request: the same stages as any request, then the deployment's
   * 101 and socket, or a refusal to write on the client's socket before any switch.
   */
  async upgrade(request: GatewayRequest): Promise<GatewayUpgrade | GatewayResponse> {
    const progress = this.start(request);
    try {
      const resolved = resolveGatewayPath(request.path, request.query);
      if ("redirect" in resolved) return this.redirect(resolved.redirect, 308, progress.requestId, progress.client.proto === "https");
      const { target, deployment, identity, ticket } = await this.admit(request, resolved.target, progress);
      const protocol = String(request.headers.upgrade ?? "websocket");
      const upstream = await this.recordOutcome(ticket, () =>
        this.forwarder.upgrade(
          deployment.target.origin,
          this.upstreamPath(deployment, target, request),
          this.upstreamHeaders(request, target, identity, progress),
          protocol,
          request.signal,
        ),
      );
      const headers = clientResponseHeaders(upstream.headers, {
        target: deployment.target,
        prefix: target.prefix,
        requestId: progress.requestId,
        secure: progress.client.proto === "https",
      });
      return { headers: { ...headers, connection: "Upgrade", upgrade: protocol }, socket: upstream.socket };
    } catch (error) {
      return this.problem(error, progress.requestId, progress.client.proto === "https", {});
    }
  }

  private start(request: GatewayRequest): Progress {
    return {
      at: new Date(),
      startedAt: performance.now(),
      requestId: requestIdFrom(request.headers),
      client: clientFacts(request.headers, request.peerAddress, request.peerSecure, this.settings.GATEWAY_TRUSTED_PROXIES),
    };
  }

  private async pass(request: GatewayRequest, progress: Progress): Promise<Answer> {
    const { requestId, client } = progress;
    const secure = client.proto === "https";

    const resolved = resolveGatewayPath(request.path, request.query);
    if ("redirect" in resolved) return this.redirect(resolved.redirect, 308, requestId, secure);

    // Browsers send preflights without credentials, so they are answered before authentication.
    if (isPreflight(request.method, request.headers)) return this.preflight(request, resolved.target, requestId, secure);

    const { target, deployment, identity, ticket, rateLimitHeaders } = await this.admit(request, resolved.target, progress);
    const upstream = await this.recordOutcome(ticket, () =>
      this.forwarder.send(
        deployment.target.origin,
        this.upstreamPath(deployment, target, request),
        request.method,
        this.upstreamHeaders(request, target, identity, progress),
        request.body,
        request.signal,
      ),
    );
    progress.ttfbMs = Math.round(performance.now() - progress.startedAt);

    return {
      status: upstream.status,
      headers: {
        ...clientResponseHeaders(upstream.headers, { target: deployment.target, prefix: target.prefix, requestId, secure }),
        ...corsHeaders(request.headers.origin, deployment),
        ...rateLimitHeaders,
      },
      body: upstream.body,
    };
  }

  /**
   * Authenticate, authorize, rate limit, circuit breaker: everything that may refuse before the deployment
   * is contacted. Each stage answers at once when its caches can and is awaited only when it returns a
   * promise: in this process Next's AsyncLocalStorage hooks every promise, so each one costs.
   */
  private async admit(request: GatewayRequest, target: GatewayTarget, progress: Progress): Promise<Admitted> {
    progress.target = target;
    const authenticated = this.authenticate(request);
    const identity = authenticated instanceof Promise ? await authenticated : authenticated;
    progress.userId = identity.userId;
    const authorized = this.authorize(identity, target, progress);
    const deployment = authorized instanceof Promise ? await authorized : authorized;
    const limited = this.rateLimiter.check(identity.userId, deployment);
    const rateLimitHeaders = limited instanceof Promise ? await limited : limited;
    const admitted = this.breakers.admit(deployment.id, deployment.name);
    const ticket = admitted instanceof Promise ? await admitted : admitted;
    return { target, deployment, identity, ticket, rateLimitHeaders };
  }

  private upstreamPath(deployment: RoutableDeployment, target: GatewayTarget, request: GatewayRequest): string {
    return deployment.target.pathname.replace(/\/+$/, "") + target.upstreamPath + request.query;
  }

  private upstreamHeaders(request: GatewayRequest, target: GatewayTarget, identity: Identity, progress: Progress) {
    return upstreamRequestHeaders(request.headers, {
      target,
      client: progress.client,
      requestId: progress.requestId,
      userId: identity.userId,
      canRelayContentEncoding: request.canRelayContentEncoding,
    });
  }

  /** Contacts the deployment and tells its breaker how it went: refusals, timeouts and 5xx are failures. */
  private async recordOutcome<T extends { status: number }>(ticket: BreakerTicket, contact: () => Promise<T>): Promise<T> {
    try {
      const result = await contact();
      this.breakers.record(ticket, result.status >= 500 ? "failure" : "success", `status ${result.status}`);
      return result;
    } catch (error) {
      const upstreamFault = error instanceof ApiError && (error.status === 502 || error.status === 504);
      this.breakers.record(ticket, upstreamFault ? "failure" : undefined, upstreamFault ? error.title.toLowerCase() : "");
      throw error;
    }
  }

  private authenticate(request: GatewayRequest): Awaitable<Identity> {
    return andThen(this.authenticator.identify(request.headers), signedIn);
  }

  private authorize(identity: Identity, target: GatewayTarget, progress: Progress): Awaitable<RoutableDeployment> {
    if (identity.userId !== target.userId) {
      throw new ApiError(403, "forbidden", "Forbidden", "This gateway path belongs to another user.");
    }
    return andThen(routableDeployment(target.deploymentId), (deployment) => servable(deployment, identity, progress));
  }

  private async preflight(request: GatewayRequest, target: GatewayTarget, requestId: string, secure: boolean): Promise<WrittenAnswer> {
    const deployment = await routableDeployment(target.deploymentId);
    const headers = preflightHeaders(request.headers.origin, deployment);
    if (!headers) {
      const refusal = new ApiError(403, "cors-origin-not-allowed", "Origin not allowed", "This deployment does not allow requests from your origin.");
      return this.problem(refusal, requestId, secure, {});
    }
    return { status: 204, headers: { ...headers, ...securityHeaders(requestId, secure) }, body: null };
  }

  /** Browser code on an allowed origin must be able to read a refusal (a 401 that starts its sign-in, say). */
  private async refusalCors(request: GatewayRequest, progress: Progress): Promise<OutgoingHttpHeaders> {
    const origin = request.headers.origin;
    if (!origin || !progress.target) return {};
    return corsHeaders(origin, progress.deployment ?? (await Promise.resolve(routableDeployment(progress.target.deploymentId)).catch(() => null)));
  }

  private redirect(location: string, status: number, requestId: string, secure: boolean): WrittenAnswer {
    return { status, headers: { location, ...securityHeaders(requestId, secure) }, body: null };
  }

  private problem(error: unknown, requestId: string, secure: boolean, cors: OutgoingHttpHeaders): WrittenAnswer {
    if (error instanceof ClientAbortedError) return { status: 499, headers: {}, body: null };
    if (!(error instanceof ApiError)) console.error(`[gatehouse] gateway request ${requestId} failed`, error);
    const problem = error instanceof ApiError ? error : internalError();
    const body = Buffer.from(JSON.stringify(problemBody(problem, requestId)));
    return {
      status: problem.status,
      headers: {
        ...problem.headers,
        ...cors,
        ...securityHeaders(requestId, secure),
        "content-type": problemContentType,
        "content-length": String(body.length),
        "cache-control": "no-store",
      },
      body,
    };
  }
}

function signedIn(identity: Identity | null): Identity {
  if (!identity) {
    throw new ApiError(401, "unauthenticated", "Sign-in required", "Sign in, or send an API token as `Authorization: Bearer ght_…`.", {
      "www-authenticate": 'Bearer realm="gatehouse"',
    });
  }
  return identity;
}

/** The caller's own deployment, running; from here the request counts in the deployment's analytics, refused or not. */
function servable(deployment: RoutableDeployment | null, identity: Identity, progress: Progress): RoutableDeployment {
  if (!deployment || deployment.userId !== identity.userId) throw notFound();
  progress.deployment = deployment;
  if (deployment.status !== "running") {
    throw new ApiError(503, "deployment-not-running", "Deployment not running", `Deployment ${deployment.name} is ${deployment.status}.`, {
      "retry-after": "30",
    });
  }
  return deployment;
}

const globalForGateway = globalThis as unknown as { gatehouseGateway?: Gateway };

/** The process's gateway, built once: its connection pool, limiters, breakers and derived keys outlive requests. */
export function gateway(): Gateway {
  globalForGateway.gatehouseGateway ??= new Gateway();
  return globalForGateway.gatehouseGateway;
}
