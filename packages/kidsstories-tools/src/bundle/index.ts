// Public API of @kidsstories/kidsstories-tools/bundle: the story bundle format, shared by the pipeline that
// writes it and the cloud sync and story site that read it. Adding a line here is an API decision.

export type { AgeBand } from '../story/age-band.js';
export { AGE_BANDS } from '../story/age-band.js';
export type {
  BundleAsset,
  BundleCredit,
  BundlePage,
  BundleStep,
  BundleStepName,
  StoryManifest,
} from './bundle-manifest.js';
export {
  BUNDLE_CONTENT_TYPES,
  BUNDLE_FILES,
  BUNDLE_SCHEMA_VERSION,
  BUNDLE_STEPS,
  bundleAssetSchema,
  bundleCreditSchema,
  bundleDateSchema,
  bundleDir,
  bundlePageSchema,
  bundlePathSchema,
  bundleStepSchema,
  isBundleDate,
  pageAssetPaths,
  renderManifestJsonSchema,
  storyManifestJsonSchema,
  storyManifestSchema,
} from './bundle-manifest.js';
export type { BundleCompleteEvent, StageCompleteEvent, StageRunInput } from './pipeline-events.js';
export {
  bundleCompleteFields,
  PIPELINE_STREAMS,
  parseBundleCompleteEvent,
  parseStageCompleteEvent,
  stageCompleteFields,
} from './pipeline-events.js';
export type { Bundle, BundleProblem, BundleVerification } from './read-bundle.js';
export { hashFile, readBundle, verifyBundle } from './read-bundle.js';
export type { AssetFacts, BundleWriter, BundleWriterOptions } from './write-bundle.js';
export { bundleAssetOf, contentTypeOf, createBundleWriter, writeFileAtomic } from './write-bundle.js';
