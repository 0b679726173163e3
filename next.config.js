/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // Compressing would buffer event streams and rewrite deployments' bytes; a CDN in front may compress.
  compress: false,
  // A deployment's paths are its own: `/dir/` and `/dir` must both reach it unchanged.
  skipTrailingSlashRedirect: true,
  // These load WebAssembly, native code, data files or worker threads' scripts beside their own sources at run time: not bundled.
  serverExternalPackages: ["@electric-sql/pglite", "@electric-sql/pglite-socket", "pg", "@prisma/adapter-pg", "geoip-country", "piscina"],
  // The hub's own pages and APIs; deployments' answers under /api/gateway/ keep their own policies.
  async headers() {
    const hub = [
      { key: "Content-Security-Policy", value: "frame-ancestors 'none'; base-uri 'self'; object-src 'none'" },
      { key: "X-Frame-Options", value: "DENY" },
      { key: "X-Content-Type-Options", value: "nosniff" },
      { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
    ];
    return [
      { source: "/", headers: hub },
      { source: "/:path((?!api/gateway/).*)", headers: hub },
    ];
  },
};

export default nextConfig;
