/**
 * Next.js configuration of the story site: a static export (plain files any web server serves), built offline.
 * `buildSite` copies this folder into a working folder, writes `site-data.json` beside it and runs `next build`;
 * STORY_SITE_BUILD_ID (a hash of that data) makes the build id, and so the output, depend on the input only.
 * Type errors are caught by the package's own `typecheck`, not here.
 */
/** @type {import('next').NextConfig} */
const config = {
  output: 'export',
  trailingSlash: true,
  images: { unoptimized: true },
  poweredByHeader: false,
  reactStrictMode: true,
  typescript: { ignoreBuildErrors: true },
  generateBuildId: async () => process.env.STORY_SITE_BUILD_ID ?? 'story-site',
};

export default config;
