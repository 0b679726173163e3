/**
 * A redirect URI that only a native client may register: loopback http or a private-use scheme. Plain
 * http elsewhere counts too, so that the provider's native rules refuse it (OAuth 2.1 allows http on loopback only).
 */
function isNativeRedirect(uri: string): boolean {
  const url = URL.parse(uri);
  return Boolean(url && url.protocol !== "https:");
}

/**
 * Registers a client whose redirect URIs are native ones (`http://127.0.0.1:{any port}/…`, `cursor://…`,
 * `vscode://…`) as a native client, as RFC 8252 describes, whatever `application_type` it sent: MCP clients
 * such as Cursor send none, and only native clients may use private-use schemes and have loopback ports
 * ignored when matching (§7.3). The provider still refuses `javascript:`, `data:`, `file:` and the like,
 * and http anywhere but loopback.
 */
export function classifyRedirects(metadata: { application_type?: string; redirect_uris?: string[] }): void {
  if (metadata.redirect_uris?.some(isNativeRedirect)) metadata.application_type = "native";
}
