/** Only same-site paths may be returned to after sign-in; anything else would be an open redirect. */
export function safeCallbackUrl(value: string | string[] | undefined): string {
  const candidate = Array.isArray(value) ? value[0] : value;
  return candidate?.startsWith("/") && !candidate.startsWith("//") && !candidate.startsWith("/\\") ? candidate : "/dashboard";
}
