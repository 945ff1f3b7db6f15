// Test helpers of @kidsstories/story-site: sample bundles made with the offline providers.

export type { SampleBundlesOptions } from './sample-bundles.js';
export { writeSampleBundles } from './sample-bundles.js';
export { CHROMIUM_PATH, launchChromium } from './launch-chromium.js';
