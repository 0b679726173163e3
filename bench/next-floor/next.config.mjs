/**
 * The floor of any gateway built as a Next route handler: a Next app with nothing in it but a trivial
 * route and a route that only proxies with undici (no authentication, limits or logging). The bench
 * builds and starts it beside Gatehouse, so "gateway route ÷ trivial route" can be read against
 * "bare proxy route ÷ trivial route" measured the same way. Next also finds the repository's own
 * middleware.ts from here (its build lists it; it matches only /dashboard), so both apps pay the same
 * middleware check on every request.
 */
const nextConfig = {
  poweredByHeader: false,
  compress: false,
  skipTrailingSlashRedirect: true,
};

export default nextConfig;
