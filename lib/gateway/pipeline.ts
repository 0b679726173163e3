import type { OutgoingHttpHeaders } from "node:http";
import { config } from "@/lib/config";
import { routableDeployment, type RoutableDeployment } from "@/lib/deployments/cache";
import { corsHeaders, isPreflight, preflightHeaders } from "@/lib/gateway/cors";
import { ClientAbortedError, Forwarder } from "@/lib/gateway/forward";
import { clientFacts, clientResponseHeaders, requestIdFrom, securityHeaders, upstreamRequestHeaders } from "@/lib/gateway/headers";
import { Authenticator, type Identity } from "@/lib/gateway/identity";
import { resolveGatewayPath, type GatewayTarget } from "@/lib/gateway/path";
import type { GatewayRequest, GatewayResponse } from "@/lib/gateway/types";
import { ApiError, internalError, problemBody, problemContentType } from "@/lib/http/problem";

const notFound = () =>
  new ApiError(404, "deployment-not-found", "Deployment not found", "No deployment with this id belongs to you.");

function wantsHtml(request: GatewayRequest): boolean {
  return (request.method === "GET" || request.method === "HEAD") && /text\/html/.test(String(request.headers.accept ?? ""));
}

/** Each stage either passes its result on or throws an ApiError that `problem` turns into the answer. */
export class Gateway {
  private readonly settings = config();
  private readonly authenticator = new Authenticator(this.settings.NEXTAUTH_SECRET);
  private readonly forwarder = new Forwarder(this.settings);

  async handle(request: GatewayRequest): Promise<GatewayResponse> {
    const requestId = requestIdFrom(request.headers);
    const client = clientFacts(request.headers, request.peerAddress, request.peerSecure, this.settings.GATEWAY_TRUSTED_PROXIES);
    const secure = client.proto === "https";
    let deployment: RoutableDeployment | null = null;
    let target: GatewayTarget | undefined;
    try {
      const resolved = resolveGatewayPath(request.path, request.query);
      if ("redirect" in resolved) return this.redirect(resolved.redirect, 308, requestId, secure);
      target = resolved.target;

      // Browsers send preflights without credentials, so they are answered before authentication.
      if (isPreflight(request.method, request.headers)) return this.preflight(request, target, requestId, secure);

      const identity = await this.authenticate(request);
      deployment = await this.authorize(identity, target);

      const upstream = await this.forwarder.send(
        deployment.target.origin,
        deployment.target.pathname.replace(/\/+$/, "") + target.upstreamPath + request.query,
        request.method,
        upstreamRequestHeaders(request.headers, {
          target,
          client,
          requestId,
          userId: identity.userId,
          canRelayContentEncoding: request.canRelayContentEncoding,
        }),
        request.body,
        request.signal,
      );

      return {
        status: upstream.status,
        headers: {
          ...clientResponseHeaders(upstream.headers, { target: deployment.target, prefix: target.prefix, requestId, secure }),
          ...corsHeaders(request.headers.origin, deployment),
        },
        body: upstream.body,
      };
    } catch (error) {
      if (error instanceof ApiError && error.status === 401 && wantsHtml(request)) {
        return this.redirect(`/signin?callbackUrl=${encodeURIComponent(request.path + request.query)}`, 303, requestId, secure);
      }
      return this.problem(error, requestId, secure, await this.refusalCors(request, target, deployment));
    }
  }

  /** Browser code on an allowed origin must be able to read a refusal (a 401 that starts its sign-in, say). */
  private async refusalCors(request: GatewayRequest, target: GatewayTarget | undefined, deployment: RoutableDeployment | null) {
    const origin = request.headers.origin;
    if (!origin || !target) return {};
    return corsHeaders(origin, deployment ?? (await routableDeployment(target.deploymentId).catch(() => null)));
  }

  private async authenticate(request: GatewayRequest): Promise<Identity> {
    const identity = await this.authenticator.identify(request.headers);
    if (!identity) {
      throw new ApiError(401, "unauthenticated", "Sign-in required", "Sign in, or send an API token as `Authorization: Bearer ght_…`.", {
        "www-authenticate": 'Bearer realm="gatehouse"',
      });
    }
    return identity;
  }

  private async authorize(identity: Identity, target: GatewayTarget): Promise<RoutableDeployment> {
    if (identity.userId !== target.userId) {
      throw new ApiError(403, "forbidden", "Forbidden", "This gateway path belongs to another user.");
    }
    const deployment = await routableDeployment(target.deploymentId);
    if (!deployment || deployment.userId !== identity.userId) throw notFound();
    if (deployment.status !== "running") {
      throw new ApiError(503, "deployment-not-running", "Deployment not running", `Deployment ${deployment.name} is ${deployment.status}.`, {
        "retry-after": "30",
      });
    }
    return deployment;
  }

  private async preflight(request: GatewayRequest, target: GatewayTarget, requestId: string, secure: boolean): Promise<GatewayResponse> {
    const deployment = await routableDeployment(target.deploymentId);
    const headers = preflightHeaders(request.headers.origin, deployment);
    if (!headers) {
      return this.problem(new ApiError(403, "cors-origin-not-allowed", "Origin not allowed", "This deployment does not allow requests from your origin."), requestId, secure, {});
    }
    return { status: 204, headers: { ...headers, ...securityHeaders(requestId, secure) }, body: null };
  }

  private redirect(location: string, status: number, requestId: string, secure: boolean): GatewayResponse {
    return { status, headers: { location, ...securityHeaders(requestId, secure) }, body: null };
  }

  private problem(error: unknown, requestId: string, secure: boolean, cors: OutgoingHttpHeaders): GatewayResponse {
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

const globalForGateway = globalThis as unknown as { gatehouseGateway?: Gateway };

/** The process's gateway, built once: its connection pool and derived keys outlive requests. */
export function gateway(): Gateway {
  globalForGateway.gatehouseGateway ??= new Gateway();
  return globalForGateway.gatehouseGateway;
}
