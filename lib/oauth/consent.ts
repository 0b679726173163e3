import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import { z } from "zod";
import { routableDeployment } from "@/lib/deployments/cache";
import { gatewayScope, resourceTarget } from "@/lib/oauth/resources";

/** What the consent page shows: who asks, where the answer goes, for which deployment; or why it cannot be allowed. */
export const consentViewSchema = z.object({
  uid: z.string(),
  clientName: z.string(),
  clientId: z.string(),
  /** The host (or app scheme) the authorization is sent to. */
  redirectTo: z.string(),
  /** Every redirect of the client's is to this machine: any local program could have registered it. */
  loopbackOnly: z.boolean(),
  deployment: z.object({ id: z.string(), name: z.string() }).nullable(),
  refusal: z.string().nullable(),
});
export type ConsentView = z.infer<typeof consentViewSchema>;

/** The header through which server.ts hands the consent page its view; any copy a client sends is dropped. */
export const consentViewHeader = "x-gatehouse-oauth-consent";

const loopback = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//;

function destinationOf(redirectUri: string): string {
  const url = URL.parse(redirectUri);
  if (!url) return redirectUri;
  return url.protocol === "http:" || url.protocol === "https:" ? url.host : `${url.protocol}//${url.host}`;
}

/** The deployment an interaction's `resource` names, if the user owns it; otherwise why consent is refused. */
async function ownedResource(resource: unknown, userId: string): Promise<{ deployment: { id: string; name: string } | null; refusal: string | null }> {
  const resources = Array.isArray(resource) ? resource : resource === undefined ? [] : [resource];
  if (resources.length !== 1 || typeof resources[0] !== "string") {
    return { deployment: null, refusal: "The application did not name one Gatehouse deployment to connect to." };
  }
  const target = resourceTarget(resources[0]);
  const deployment = target && (await routableDeployment(target.deploymentId));
  if (!target || !deployment || deployment.userId !== userId || (target.userId !== null && target.userId !== userId)) {
    return { deployment: null, refusal: "The deployment this application asks for is not one of yours." };
  }
  return { deployment: { id: deployment.id, name: deployment.name }, refusal: null };
}

/** The consent page's view of a pending authorization (the interaction cookie proves the browser started it). */
export async function consentView(provider: Provider, request: IncomingMessage, response: ServerResponse, userId: string): Promise<ConsentView> {
  const interaction = await provider.interactionDetails(request, response);
  const params = interaction.params as Record<string, unknown>;
  const clientId = String(params.client_id);
  const client = await provider.Client.find(clientId);
  const redirectUris = client?.redirectUris ?? [];
  const { deployment, refusal } = await ownedResource(params.resource, userId);
  return {
    uid: interaction.uid,
    clientName: client?.clientName || clientId,
    clientId,
    redirectTo: destinationOf(String(params.redirect_uri ?? redirectUris[0] ?? "")),
    loopbackOnly: redirectUris.length > 0 && redirectUris.every((uri) => loopback.test(uri)),
    deployment,
    refusal,
  };
}

/**
 * Finishes an authorization with the user's answer. Allow records (or extends) the grant for exactly the
 * named deployment; Deny, or a deployment that is not the user's, sends the client `access_denied`.
 */
export async function decideConsent(provider: Provider, request: IncomingMessage, response: ServerResponse, userId: string, allow: boolean): Promise<void> {
  const interaction = await provider.interactionDetails(request, response);
  const params = interaction.params as Record<string, unknown>;
  const { deployment } = await ownedResource(params.resource, userId);
  if (!allow || !deployment) {
    const description = allow ? "The deployment asked for is not the user's." : "The user denied access.";
    await provider.interactionFinished(request, response, { error: "access_denied", error_description: description }, { mergeWithLastSubmission: false });
    return;
  }
  const clientId = String(params.client_id);
  const grant = new provider.Grant({ accountId: userId, clientId });
  // The provider checks requested scopes both as OpenID scopes and as the resource's: both are granted,
  // limited to what it supports, or consent would be asked again forever.
  const requested = String(params.scope ?? gatewayScope);
  grant.addOIDCScope(requested);
  grant.addResourceScope(String(params.resource), requested);
  const grantId = await grant.save();
  await provider.interactionFinished(request, response, { login: { accountId: userId }, consent: { grantId } }, { mergeWithLastSubmission: false });
}
