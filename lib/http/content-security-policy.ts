/**
 * The hub pages' Content-Security-Policy. Scripts run only with this response's nonce (Next puts it on
 * its own scripts when it finds it in the request's policy) or when loaded by such a script
 * ('strict-dynamic'); nothing of the page may be framed, rebased or embedded as a plugin. Styles may be
 * inline: React and the charts set style attributes, which nonces cannot cover.
 */
export function hubPagePolicy(nonce: string, development: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** A fresh nonce: 128 random bits, base64. */
export function newNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}
