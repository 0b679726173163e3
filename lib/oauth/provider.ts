import Provider, { type Configuration, errors, type KoaContextWithOIDC } from "oidc-provider";
import { fetch as undiciFetch } from "undici";
import { config } from "@/lib/config";
import { db } from "@/lib/db";
import { routableDeployment } from "@/lib/deployments/cache";
import { outboundDispatcher } from "@/lib/http/outbound";
import { PostgresOAuthAdapter } from "@/lib/oauth/adapter";
import { classifyRedirects } from "@/lib/oauth/redirect-uris";
import { countClientIntroduction } from "@/lib/oauth/registration-limit";
import { canonicalResource, gatewayScope, hubOrigin, resourceTarget } from "@/lib/oauth/resources";
import { derivedCookieKey, derivedSigningKey } from "@/lib/oauth/signing-key";
import { processSingleton } from "@/lib/runtime/process-singleton";

/** The authorization server's endpoints, all under one prefix of the hub; discovery stays at the root (issuer = origin). */
export const oauthPrefix = "/oauth/";
export const consentPath = (uid: string) => `${oauthPrefix}consent/${uid}`;

const routes = {
  authorization: "/oauth/authorize",
  token: "/oauth/token",
  registration: "/oauth/register",
  revocation: "/oauth/revoke",
  jwks: "/oauth/jwks",
  userinfo: "/oauth/userinfo",
  introspection: "/oauth/introspect",
  end_session: "/oauth/session/end",
  pushed_authorization_request: "/oauth/par",
  code_verification: "/oauth/device",
  device_authorization: "/oauth/device/auth",
  backchannel_authentication: "/oauth/backchannel",
  challenge: "/oauth/challenge",
  credential: "/oauth/credential",
};

/** The canonical resource (the token audience) for a resource indicator, or null when it names no deployment. */
async function audienceOf(resourceIndicator: string, hub: string): Promise<string | null> {
  const target = resourceTarget(resourceIndicator);
  if (!target) return null;
  if (target.userId) return canonicalResource(hub, target.userId, target.deploymentId);
  // An app origin names only the deployment; its owner completes the canonical URL.
  const deployment = await routableDeployment(target.deploymentId);
  return deployment ? canonicalResource(hub, deployment.userId, deployment.id) : null;
}

function buildProvider(issuer: string): Provider {
  const settings = config();
  const secret = settings.NEXTAUTH_SECRET;
  const dispatcher = outboundDispatcher(settings.ALERTS_WEBHOOK_ALLOW_INTERNAL);
  const configuration: Configuration = {
    adapter: PostgresOAuthAdapter,
    clients: [],
    jwks: { keys: [derivedSigningKey(secret)] },
    // Named so the gateway knows them as its own and never lets them travel to a deployment.
    cookies: {
      names: { session: "gatehouse-oauth.session", interaction: "gatehouse-oauth.interaction", resume: "gatehouse-oauth.resume" },
      keys: [derivedCookieKey(secret)],
    },
    routes,
    scopes: ["openid", "offline_access", gatewayScope],
    claims: { openid: ["sub"] },
    responseTypes: ["code"],
    pkce: { required: () => true },
    enabledJWA: { idTokenSigningAlgValues: ["ES256"], userinfoSigningAlgValues: ["ES256"] },
    clientDefaults: {
      grant_types: ["authorization_code", "refresh_token"],
      id_token_signed_response_alg: "ES256",
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    },
    // Native apps' redirect URIs (loopback on any port, private-use schemes) are told apart by their URIs,
    // since the clients that use them rarely say `application_type: native` (redirect-uris.ts).
    extraClientMetadata: {
      properties: ["software_id", "software_version"],
      validator(_ctx, key, _value, metadata) {
        if (key === "software_id") classifyRedirects(metadata as { application_type?: string; redirect_uris?: string[] });
      },
    },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: false },
      // Fetched through the webhooks' dispatcher (public addresses only) and cached by the provider; a
      // fetch (a cache miss) counts against the requester's registration limit.
      clientIdMetadataDocument: {
        enabled: true,
        ack: "draft-02",
        allowFetch: (ctx) =>
          countClientIntroduction(ctx.ip).then(
            () => true,
            () => false,
          ),
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf ?? undefined,
        useGrantedResource: async () => true,
        async getResourceServerInfo(_ctx, resourceIndicator) {
          const audience = await audienceOf(resourceIndicator, issuer);
          if (!audience) throw new errors.InvalidTarget("the resource must be a Gatehouse deployment's URL");
          return {
            scope: gatewayScope,
            audience,
            accessTokenTTL: settings.OAUTH_ACCESS_TOKEN_TTL_SECONDS,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: "ES256" } },
          };
        },
      },
    },
    // The grant's id rides in the token so the gateway can refuse a token whose grant was revoked.
    extraTokenClaims: async (_ctx, token) => ("grantId" in token ? { gid: token.grantId } : undefined),
    // MCP clients rarely ask for offline_access; a client registered for refresh tokens gets them.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    // Only the grant the hub user just gave counts: every authorization asks them, so a browser's leftover
    // provider session (perhaps another user's) never decides alone.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    ttl: {
      AccessToken: settings.OAUTH_ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: 60,
      Interaction: 10 * 60,
      Session: 60 * 60,
      IdToken: 60 * 60,
      Grant: settings.OAUTH_REFRESH_TOKEN_TTL_DAYS * 86_400,
      RefreshToken: settings.OAUTH_REFRESH_TOKEN_TTL_DAYS * 86_400,
    },
    interactions: { url: async (_ctx, interaction) => consentPath(interaction.uid) },
    async findAccount(_ctx, id) {
      const user = await db().user.findUnique({ where: { id }, select: { id: true } });
      return user ? { accountId: user.id, claims: async () => ({ sub: user.id }) } : undefined;
    },
    fetch: (url, options) => undiciFetch(String(url), { ...(options as object), dispatcher }) as unknown as Promise<Response>,
    renderError: async (ctx: KoaContextWithOIDC, out) => {
      ctx.type = "html";
      ctx.body = errorPage(out.error ?? "error", out.error_description ?? "The authorization request could not be completed.");
    },
  };
  const provider = new Provider(issuer, configuration);
  // The hub's own URL decides every link the provider builds (lib/oauth/http.ts sets the forwarded headers from it).
  provider.proxy = true;
  return provider;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function errorPage(error: string, description: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Authorization failed · Gatehouse</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:12vh auto;padding:0 1.25rem;color:#1f2937}h1{font-size:1.4rem}code{color:#6b7280}</style>
</head><body><main><h1>Authorization failed</h1><p>${escapeHtml(description)}</p><p><code>${escapeHtml(error)}</code></p>
<p>Go back to the application and try again.</p></main></body></html>`;
}

/** The process's authorization server, or null without GATEHOUSE_PUBLIC_URL: an issuer must be one fixed URL. */
export const oauthProvider = processSingleton("oauth-provider", (): Provider | null => {
  const hub = hubOrigin();
  return hub ? buildProvider(hub) : null;
});
