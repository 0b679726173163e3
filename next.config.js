/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // Compressing would buffer event streams and rewrite deployments' bytes; a CDN in front may compress.
  compress: false,
  // A deployment's paths are its own: `/dir/` and `/dir` must both reach it unchanged.
  skipTrailingSlashRedirect: true,
  // These load WebAssembly, native code or data files beside their own sources at run time: not bundled.
  serverExternalPackages: ["@electric-sql/pglite", "@electric-sql/pglite-socket", "pg", "@prisma/adapter-pg", "geoip-country"],
};

export default nextConfig;
