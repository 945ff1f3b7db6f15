/**
 * `@kidsstories/azure-deploy`: publishing KidsStories to Azure. Blob sync of story bundles (hash-skipped,
 * conditional, manifest last) and its `bundle.complete` consumer.
 */

export type { BundleSyncConsumerOptions } from './sync/bundle-sync-consumer.js';
export { BUNDLE_SYNC_GROUP, startBundleSync } from './sync/bundle-sync-consumer.js';
export type {
  BundleSyncOptions,
  BundleSyncProgress,
  BundleSyncReport,
  FailedFile,
  SyncedFile,
} from './sync/sync-options.js';
export { DEFAULT_BUNDLE_SYNC } from './sync/sync-options.js';
export { syncBundle } from './sync/sync-bundle.js';
export type { BlobConnection, BlobConnectionSettings } from './sync/blob-connection.js';
export {
  createContainerClient,
  DEFAULT_CONTAINER_NAME,
  resolveBlobConnection,
} from './sync/blob-connection.js';
export type { PutBlobOptions, PutBlobOutcome } from './sync/put-blob-if-changed.js';
export { putBlobIfChanged } from './sync/put-blob-if-changed.js';
export type { RebuiltManifest } from './sync/rebuild-manifest.js';
export { bundleBlobPrefix, rebuildManifestFromBlobs } from './sync/rebuild-manifest.js';
export { blobHeadersOf, CACHE_CONTROL, SHA256_METADATA_KEY } from './sync/blob-headers.js';
export type { ManifestPublishReport, PublishManifestOptions } from './sync/publish-manifest.js';
export { publishBundleManifest, serializeManifest } from './sync/publish-manifest.js';
export type { BundleLock, BundleLockOptions } from './sync/bundle-lock.js';
export { acquireBundleLock, BUNDLE_LOCK_SUFFIX, bundleLockBlob } from './sync/bundle-lock.js';
export type {
  EventGridReceiver,
  EventGridReceiverOptions,
  ReceiverAuth,
} from './relay/event-grid-receiver.js';
export { createEventGridReceiver, DEFAULT_DISPATCH_EVENT_TYPE } from './relay/event-grid-receiver.js';
export type {
  GitHubDispatcher,
  GitHubDispatcherOptions,
  RelayAlert,
  RepositoryDispatch,
} from './relay/github-dispatcher.js';
export { createGitHubDispatcher, REPOSITORY_DISPATCH_LIMITS } from './relay/github-dispatcher.js';
export type { ManifestCreated } from './relay/manifest-event.js';
export { manifestCreatedOf } from './relay/manifest-event.js';
export type { ReceiverServer, ServeReceiverOptions } from './relay/serve-receiver.js';
export { serveEventGridReceiver } from './relay/serve-receiver.js';
export type { WriteWorkflowOptions } from './workflow/publish-site-workflow.js';
export {
  PUBLISH_SITE_WORKFLOW_PATH,
  publishSiteWorkflow,
  writePublishSiteWorkflow,
} from './workflow/publish-site-workflow.js';
export type { AppSpec } from './infra/app-specs.js';
export { APP_SPECS, REDIS_TLS_PORT, scaleRuleOf } from './infra/app-specs.js';
export type { ArmExpression, ArmParameter, ArmResource, ArmTemplate } from './infra/arm-template.js';
export { renderArmTemplate } from './infra/arm-template.js';
export { kidsStoriesEnvironment } from './infra/kidsstories-environment.js';
export { KEY_VAULT_SECRETS } from './infra/resource-ids.js';
export type { BuiltInRole } from './infra/role-assignments.js';
export { BUILT_IN_ROLES, ROLE_SCOPES } from './infra/role-assignments.js';
export { ARM_TEMPLATE_FILE, writeInfraTemplate } from './infra/write-infra.js';
export type {
  ReleaseProgress,
  ReleaseStep,
  SiteReleaseOptions,
  SiteReleaseReport,
} from './release/release-site.js';
export { releaseSite } from './release/release-site.js';
