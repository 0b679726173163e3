/**
 * Every problem the app answers, gateway and hub alike: one named constructor each, carrying its
 * status, slug (the problem type), title and how the request log records it. Code that refuses a
 * request throws one of these; `lib/http/render-problem.ts` turns it into an RFC 9457 body.
 */

/** How a gateway request ended, as the request log, the dashboard and Prometheus record it. */
export type Outcome = "proxied" | "answered" | "refused" | "rate-limited" | "circuit-open" | "upstream-error" | "client-aborted" | "error";

export interface FieldError {
  path: string;
  message: string;
}

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly outcome: Outcome,
    readonly headers: Record<string, string> = {},
    /** Input validation only: every field that is wrong. */
    readonly errors?: FieldError[],
    /** Where a browser's page navigation goes instead of seeing this problem. */
    readonly navigateTo?: string,
  ) {
    super(detail);
    this.name = "Problem";
  }
}

// Input and hub API
export const invalidInput = (errors: FieldError[]) =>
  new Problem(400, "invalid-input", "Invalid input", errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join("; "), "refused", {}, errors);
export const bodyTooLarge = (limit: number) =>
  new Problem(413, "body-too-large", "Body too large", `This API accepts bodies of at most ${limit} bytes.`, "refused", { connection: "close" });
export const invalidJson = () => new Problem(400, "invalid-json", "Invalid JSON", "The request body is not valid JSON.", "refused");
export const signInRequired = () => new Problem(401, "unauthenticated", "Sign-in required", "Sign in to use this API.", "refused");
export const emailTaken = (email: string) => new Problem(409, "email-taken", "Email already registered", `An account for ${email} already exists.`, "refused");
export const userNotFound = (email: string) => new Problem(404, "user-not-found", "User not found", `No user has the email ${email}.`, "refused");
export const deploymentNotFound = () =>
  new Problem(404, "deployment-not-found", "Deployment not found", "No deployment with this id belongs to you.", "refused");
export const deploymentExists = (owner: string, name: string) =>
  new Problem(409, "deployment-exists", "Deployment exists", `${owner} already has a deployment named ${name}.`, "refused");
export const apiTokenNotFound = () => new Problem(404, "api-token-not-found", "API token not found", "No active API token with this id is yours.", "refused");
export const connectedAppNotFound = () =>
  new Problem(404, "connected-app-not-found", "Connected app not found", "No connected app with this id is yours.", "refused");
export const tooManyAlertRules = (cap: number) =>
  new Problem(409, "too-many-alert-rules", "Too many alert rules", `A deployment can have at most ${cap} alert rules; delete one first.`, "refused");
export const alertRuleNotFound = () =>
  new Problem(404, "alert-rule-not-found", "Alert rule not found", "No alert rule with this id belongs to this deployment of yours.", "refused");
export const crossOriginChange = () =>
  new Problem(403, "cross-origin-refused", "Cross-origin request refused", "This API accepts changes only from Gatehouse's own pages.", "refused");
export const metricsDisabled = () => new Problem(404, "metrics-disabled", "Metrics disabled", "Set METRICS_TOKEN to enable /api/metrics.", "refused");
export const metricsTokenRequired = () =>
  new Problem(401, "unauthenticated", "Token required", "Send `Authorization: Bearer <METRICS_TOKEN>`.", "refused", {
    "www-authenticate": 'Bearer realm="metrics"',
  });

// Gateway: before the deployment is contacted
export const invalidPath = (detail: string) => new Problem(400, "invalid-path", "Invalid path", detail, "refused");
export const gatewaySignInRequired = (challenge: string) =>
  new Problem(
    401,
    "unauthenticated",
    "Sign-in required",
    "Sign in, send an API token as `Authorization: Bearer ght_…`, or an OAuth access token for this deployment (the WWW-Authenticate header says where to get one).",
    "refused",
    { "www-authenticate": challenge },
  );
export const appOriginOnly = (appOrigin: string, handoffUrl: string) =>
  new Problem(
    403,
    "app-origin-only",
    "Served on the app's own origin",
    `This deployment's pages are served at ${appOrigin}; the hub's gateway URL accepts a browser session only to send you there. Programs use an API token.`,
    "refused",
    {},
    undefined,
    handoffUrl,
  );
export const resourceMetadataNotFound = () =>
  new Problem(
    404,
    "resource-metadata-not-found",
    "Not found",
    "Protected resource metadata exists for deployment URLs only: /.well-known/oauth-protected-resource/api/gateway/{userId}/{deploymentId}/{path}.",
    "refused",
  );
export const oauthRequestExpired = () =>
  new Problem(
    400,
    "authorization-expired",
    "Authorization request expired",
    "This authorization request has expired or was started in another browser. Go back to the application and connect again.",
    "refused",
  );
export const crossSiteForm = () =>
  new Problem(403, "cross-site-form", "Cross-site request refused", "This form can only be sent from Gatehouse's own pages.", "refused");
export const reservedPathNotFound = () =>
  new Problem(404, "reserved-path", "Not found", "Paths under /__gatehouse/ on an app origin are the gateway's own.", "refused");
export const methodNotAllowed = (allowed: string) =>
  new Problem(405, "method-not-allowed", "Method not allowed", `This path accepts ${allowed}.`, "refused", { allow: allowed });
export const appOriginsOff = () =>
  new Problem(404, "app-origins-off", "Not found", "This Gatehouse serves deployments under its own origin (GATEHOUSE_APPS_DOMAIN is not set).", "refused");
export const handoffCodeInvalid = () =>
  new Problem(
    403,
    "handoff-code-invalid",
    "Sign-in link no longer valid",
    "This sign-in link was used already, has expired, or was made for another app. Open the app again to get a new one.",
    "refused",
  );
export const tokenOutOfScope = () =>
  new Problem(403, "token-out-of-scope", "Token not valid here", "This API token may call only the deployments chosen when it was made.", "refused");
export const socketOriginRefused = () =>
  new Problem(403, "websocket-origin-refused", "Origin not allowed", "This deployment does not take WebSockets opened from your page's origin.", "refused");
export const upgradeNotSupported = () =>
  new Problem(400, "upgrade-not-supported", "Upgrade not supported", "The gateway relays WebSocket upgrades only.", "refused");
export const someoneElsesPath = () => new Problem(403, "forbidden", "Forbidden", "This gateway path belongs to another user.", "refused");
export const originNotAllowed = () =>
  new Problem(403, "cors-origin-not-allowed", "Origin not allowed", "This deployment does not allow requests from your origin.", "refused");
export const deploymentNotRunning = (name: string, status: string) =>
  new Problem(503, "deployment-not-running", "Deployment not running", `Deployment ${name} is ${status}.`, "refused", { "retry-after": "30" });
export const rateLimited = (which: string, retryAfterSeconds: number, headers: Record<string, string>) =>
  new Problem(429, "rate-limited", "Too many requests", `The rate limit for ${which} is reached. Retry in ${retryAfterSeconds} s.`, "rate-limited", {
    ...headers,
    "retry-after": String(retryAfterSeconds),
  });
export const tooManySockets = (cap: number) =>
  new Problem(
    429,
    "too-many-websockets",
    "Too many WebSockets",
    `You have ${cap} WebSockets open through this gateway instance; close one first.`,
    "rate-limited",
    {
      "retry-after": "5",
    },
  );
export const tooManyUnauthenticated = (retryAfterSeconds: number) =>
  new Problem(
    429,
    "too-many-unauthenticated",
    "Too many requests without credentials",
    `This address sent too many requests without valid credentials (GATEWAY_RATE_LIMIT_ANONYMOUS). Retry in ${retryAfterSeconds} s.`,
    "rate-limited",
    { "retry-after": String(retryAfterSeconds) },
  );
export const rateLimiterUnavailable = () =>
  new Problem(503, "rate-limiter-unavailable", "Rate limiter unavailable", "The gateway cannot check rate limits right now. Retry shortly.", "rate-limited", {
    "retry-after": "5",
  });
export const circuitOpen = (name: string, state: string, retryAfterSeconds: number) =>
  new Problem(
    503,
    "circuit-open",
    "Deployment failing",
    `Deployment ${name} keeps failing, so the gateway is not sending it requests (circuit ${state}). Retry in ${retryAfterSeconds} s.`,
    "circuit-open",
    { "retry-after": String(retryAfterSeconds) },
  );

// Gateway: the deployment or the client failed
export const upstreamUnreachable = (detail: string) => new Problem(502, "upstream-unreachable", "Bad gateway", detail, "upstream-error");
export const upstreamMalformed = (detail: string) => new Problem(502, "upstream-malformed", "Bad gateway", detail, "upstream-error");
export const upstreamBusy = () =>
  new Problem(
    503,
    "upstream-busy",
    "Deployment busy",
    "The deployment has too many requests waiting for a connection (GATEWAY_MAX_QUEUED_PER_UPSTREAM). Retry shortly.",
    "refused",
    { "retry-after": "1" },
  );
export const upstreamTimeout = (detail: string) => new Problem(504, "upstream-timeout", "Gateway timeout", detail, "upstream-error");
/** Nobody is left to read this one: it is recorded, never sent. */
export const clientAborted = () => new Problem(499, "client-aborted", "Client closed request", "The client closed the connection.", "client-aborted");

/** A fault of ours: the client learns only the request id, never the cause. */
export const databaseUnavailable = () =>
  new Problem(503, "database-unavailable", "Temporarily unavailable", "Gatehouse cannot reach its database right now. Retry shortly.", "error", {
    "retry-after": "5",
  });
export const internalError = () =>
  new Problem(500, "internal", "Internal error", "The gateway failed to handle this request. Quote the request id when reporting it.", "error");
