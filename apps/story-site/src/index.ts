// Public API of @kidsstories/story-site: build the static story site from bundles and preview it locally.
// Adding a line here is an API decision.

export type { BuildSiteOptions, BuildSiteResult } from './build-site.js';
export { buildSite, OUTPUT_MARKER } from './build-site.js';
export type { BuildSiteFromBlobOptions, BuildSiteFromBlobResult } from './build-site-from-blob.js';
export { buildSiteFromBlob } from './build-site-from-blob.js';
export type { DownloadBundlesOptions, DownloadedBundles } from './download-bundles.js';
export { downloadBundles } from './download-bundles.js';
export type { PreviewSite, PreviewSiteOptions } from './preview-site.js';
export { previewSite } from './preview-site.js';
export type { FoundBundles, SkippedBundle, VerifiedBundle } from './find-bundles.js';
export { findBundles } from './find-bundles.js';
export type { SiteData, SitePage, SiteStory } from '../site/lib/site-data.js';
export { resolveUserPath, userDirectory } from './user-path.js';
