import { REDIS_TLS_PORT } from './app-specs.js';
import { resourceId } from './arm-template.js';
import { BUILT_IN_ROLES, ROLE_SCOPES } from './role-assignments.js';

/** API versions of the template's resource types. */
export const API = {
  logs: '2023-09-01',
  identity: '2023-01-31',
  storage: '2023-05-01',
  redis: '2024-03-01',
  acr: '2023-07-01',
  keyVault: '2023-07-01',
  apps: '2024-03-01',
  roles: '2022-04-01',
  eventGrid: '2022-06-15',
  cdn: '2024-02-01',
} as const;

/** Resource id expressions (without brackets) of the template's resources. */
export const id = {
  logs: resourceId('Microsoft.OperationalInsights/workspaces', "variables('logName')"),
  identity: resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', "variables('identityName')"),
  storage: resourceId('Microsoft.Storage/storageAccounts', "variables('storageName')"),
  container: resourceId(
    'Microsoft.Storage/storageAccounts/blobServices/containers',
    "variables('storageName')",
    "'default'",
    "parameters('containerName')",
  ),
  redis: resourceId('Microsoft.Cache/redis', "variables('redisName')"),
  acr: resourceId('Microsoft.ContainerRegistry/registries', "variables('acrName')"),
  keyVault: resourceId('Microsoft.KeyVault/vaults', "variables('keyVaultName')"),
  environment: resourceId('Microsoft.App/managedEnvironments', "variables('environmentName')"),
  app: (name: string) =>
    resourceId('Microsoft.App/containerApps', `format('{0}-${name}', parameters('namePrefix'))`),
  topic: resourceId('Microsoft.EventGrid/systemTopics', "variables('topicName')"),
  cdnProfile: resourceId('Microsoft.Cdn/profiles', "variables('cdnProfileName')"),
};
/** The cache's host name (expression). */
export const redisHost = `reference(${id.redis}, '${API.redis}').hostName`;
/** The user-assigned identity (expression). */
export const identityId = id.identity;

/** Key Vault secrets the apps reference: `name` in the vault and in the app, and where its value comes from. */
export const KEY_VAULT_SECRETS = [
  { name: 'redis-key', value: `listKeys(${id.redis}, '${API.redis}').primaryKey` },
  {
    name: 'redis-url',
    // The key is base64 (it may hold `/`, `+`, `=`): escaped, so the URL parses.
    value: `format('rediss://:{0}@{1}:${REDIS_TLS_PORT}', uriComponent(listKeys(${id.redis}, '${API.redis}').primaryKey), ${redisHost})`,
  },
  { name: 'runware-api-key', value: "parameters('runwareApiKey')" },
  { name: 'phi4-key', value: "parameters('phi4Key')" },
  { name: 'azure-openai-api-key', value: "parameters('azureOpenAiApiKey')" },
  { name: 'mesh-secret', value: "parameters('meshSecret')" },
  { name: 'relay-secret', value: "parameters('relaySecret')" },
  { name: 'github-token', value: "parameters('githubToken')" },
] as const;

/** Name (a deterministic guid) of the identity's assignment of `role`. */
export const roleAssignmentName = (role: keyof typeof BUILT_IN_ROLES) =>
  `guid(resourceGroup().id, variables('identityName'), '${BUILT_IN_ROLES[role]}')`;
/** Resource id of that assignment (an extension resource on its scope). */
export const roleAssignmentId = (role: keyof typeof BUILT_IN_ROLES) =>
  `extensionResourceId(${ROLE_SCOPES.find((entry) => entry.role === role)?.scope}, 'Microsoft.Authorization/roleAssignments', ${roleAssignmentName(role)})`;
