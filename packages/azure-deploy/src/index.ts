/**
 * `@kidsstories/azure-deploy`: Blob sync, the deployment chain and infrastructure for publishing KidsStories.
 * The public API is added by its issue; see README.md for what this package will hold.
 */

/** Name of the package, for diagnostics. */
export const AZURE_DEPLOY_PACKAGE = '@kidsstories/azure-deploy';
