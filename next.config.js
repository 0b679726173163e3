/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // Compressing would buffer event streams and rewrite deployments' bytes; a CDN in front may compress.
  compress: false,
  // A deployment's paths are its own: `/dir/` and `/dir` must both reach it unchanged.
  skipTrailingSlashRedirect: true,
  // These load WebAssembly or native code at run time and must not be bundled.
  serverExternalPackages: ["@electric-sql/pglite", "@electric-sql/pglite-socket", "pg", "@prisma/adapter-pg"],
};

export default nextConfig;
