import { isSameOriginPath } from "@/lib/http/same-origin-path";

/** Only paths on the hub may be returned to after sign-in; anything else would be an open redirect. */
export function safeCallbackUrl(value: string | string[] | undefined): string {
  const candidate = Array.isArray(value) ? value[0] : value;
  return candidate && isSameOriginPath(candidate) ? candidate : "/dashboard";
}
