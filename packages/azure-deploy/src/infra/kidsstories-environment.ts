import { APP_SPECS } from './app-specs.js';
import { type ArmParameter, type ArmResource, type ArmTemplate, arm } from './arm-template.js';
import { bundleShareResources } from './bundle-share.js';
import { containerApp } from './container-apps.js';
import { API, id, identityId, KEY_VAULT_SECRETS, roleAssignmentName } from './resource-ids.js';
import { BUILT_IN_ROLES, ROLE_SCOPES } from './role-assignments.js';

const parameter = (
  type: ArmParameter['type'],
  description: string,
  defaultValue?: unknown,
): ArmParameter => ({
  type,
  ...(defaultValue !== undefined && { defaultValue }),
  metadata: { description },
});

/**
 * The ARM template of the whole KidsStories environment, as a typed object (the tests inspect it resource by
 * resource): Log Analytics, a user-assigned identity with its role assignments (AcrPull, Storage Blob Data
 * Contributor, Key Vault Secrets User, Cognitive Services OpenAI User), the storage account with its container and
 * the Azure Files share the gateway replicas mount as their shared bundle folder, Azure Cache for Redis (TLS only,
 * 6380), ACR, Key Vault (RBAC) holding the Redis key and provider keys, the Container Apps
 * environment with the gateway, text, media and video apps (sizes, replicas and scale rules from the brief), the
 * relay and the story site, the Event Grid system topic on the storage account with a subscription that sends
 * manifest `BlobCreated` events to the relay, and the CDN profile and endpoint in front of the site.
 * Render it with `renderArmTemplate` and deploy with `az deployment group create`.
 */
export function kidsStoriesEnvironment(): ArmTemplate {
  const location = arm("parameters('location')");
  const resources: ArmResource[] = [
    {
      type: 'Microsoft.OperationalInsights/workspaces',
      apiVersion: API.logs,
      name: arm("variables('logName')"),
      location,
      properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 },
    },
    {
      type: 'Microsoft.ManagedIdentity/userAssignedIdentities',
      apiVersion: API.identity,
      name: arm("variables('identityName')"),
      location,
      properties: {},
    },
    {
      type: 'Microsoft.Storage/storageAccounts',
      apiVersion: API.storage,
      name: arm("variables('storageName')"),
      location,
      kind: 'StorageV2',
      sku: { name: 'Standard_LRS' },
      properties: {
        minimumTlsVersion: 'TLS1_2',
        allowBlobPublicAccess: false,
        supportsHttpsTrafficOnly: true,
      },
    },
    {
      type: 'Microsoft.Storage/storageAccounts/blobServices/containers',
      apiVersion: API.storage,
      name: arm("format('{0}/default/{1}', variables('storageName'), parameters('containerName'))"),
      dependsOn: [arm(id.storage)],
      properties: { publicAccess: 'None' },
    },
    {
      type: 'Microsoft.Cache/redis',
      apiVersion: API.redis,
      name: arm("variables('redisName')"),
      location,
      properties: {
        sku: { name: arm("parameters('redisSku')"), family: 'C', capacity: 1 },
        enableNonSslPort: false,
        minimumTlsVersion: '1.2',
        redisVersion: '6',
      },
    },
    {
      type: 'Microsoft.ContainerRegistry/registries',
      apiVersion: API.acr,
      name: arm("variables('acrName')"),
      location,
      sku: { name: 'Basic' },
      properties: { adminUserEnabled: false },
    },
    {
      type: 'Microsoft.KeyVault/vaults',
      apiVersion: API.keyVault,
      name: arm("variables('keyVaultName')"),
      location,
      properties: {
        tenantId: arm('subscription().tenantId'),
        sku: { family: 'A', name: 'standard' },
        enableRbacAuthorization: true,
        enableSoftDelete: true,
        softDeleteRetentionInDays: 7,
      },
    },
    ...KEY_VAULT_SECRETS.map(
      (secret): ArmResource => ({
        type: 'Microsoft.KeyVault/vaults/secrets',
        apiVersion: API.keyVault,
        name: arm(`format('{0}/${secret.name}', variables('keyVaultName'))`),
        dependsOn: [arm(id.keyVault), ...(secret.name.startsWith('redis') ? [arm(id.redis)] : [])],
        properties: { value: arm(secret.value) },
      }),
    ),
    ...ROLE_SCOPES.map(
      ({ role, scope }): ArmResource => ({
        type: 'Microsoft.Authorization/roleAssignments',
        apiVersion: API.roles,
        name: arm(roleAssignmentName(role)),
        scope: arm(scope),
        dependsOn: [arm(identityId), ...(role === 'cognitiveServicesOpenAiUser' ? [] : [arm(scope)])],
        properties: {
          roleDefinitionId: arm(
            `subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '${BUILT_IN_ROLES[role]}')`,
          ),
          principalId: arm(`reference(${identityId}, '${API.identity}').principalId`),
          principalType: 'ServicePrincipal',
        },
      }),
    ),
    {
      type: 'Microsoft.App/managedEnvironments',
      apiVersion: API.apps,
      name: arm("variables('environmentName')"),
      location,
      dependsOn: [arm(id.logs)],
      properties: {
        appLogsConfiguration: {
          destination: 'log-analytics',
          logAnalyticsConfiguration: {
            customerId: arm(`reference(${id.logs}, '${API.logs}').customerId`),
            sharedKey: arm(`listKeys(${id.logs}, '${API.logs}').primarySharedKey`),
          },
        },
      },
    },
    // The gateway replicas' shared bundle folder (Azure Files), registered in the environment before the apps.
    ...bundleShareResources(),
    ...APP_SPECS.map(containerApp),
    {
      type: 'Microsoft.EventGrid/systemTopics',
      apiVersion: API.eventGrid,
      name: arm("variables('topicName')"),
      location,
      dependsOn: [arm(id.storage)],
      properties: { source: arm(id.storage), topicType: 'Microsoft.Storage.StorageAccounts' },
    },
    {
      type: 'Microsoft.EventGrid/systemTopics/eventSubscriptions',
      apiVersion: API.eventGrid,
      name: arm("format('{0}/story-manifests-to-relay', variables('topicName'))"),
      dependsOn: [arm(id.topic), arm(id.app('relay'))],
      properties: {
        destination: {
          endpointType: 'WebHook',
          properties: {
            endpointUrl: arm(
              `format('https://{0}/api/events', reference(${id.app('relay')}, '${API.apps}').configuration.ingress.fqdn)`,
            ),
            deliveryAttributeMappings: [
              {
                name: 'x-relay-secret',
                type: 'Static',
                properties: { value: arm("parameters('relaySecret')"), isSecret: true },
              },
            ],
          },
        },
        eventDeliverySchema: 'EventGridSchema',
        filter: {
          includedEventTypes: ['Microsoft.Storage.BlobCreated'],
          subjectBeginsWith: arm(
            "format('/blobServices/default/containers/{0}/blobs/stories/', parameters('containerName'))",
          ),
          subjectEndsWith: '/story-manifest.json',
        },
        retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
      },
    },
    {
      type: 'Microsoft.Cdn/profiles',
      apiVersion: API.cdn,
      name: arm("variables('cdnProfileName')"),
      location: 'Global',
      sku: { name: 'Standard_Microsoft' },
      properties: {},
    },
    {
      type: 'Microsoft.Cdn/profiles/endpoints',
      apiVersion: API.cdn,
      name: arm("format('{0}/{1}', variables('cdnProfileName'), variables('cdnEndpointName'))"),
      location: 'Global',
      dependsOn: [arm(id.cdnProfile), arm(id.app('site'))],
      properties: {
        isHttpAllowed: false,
        isHttpsAllowed: true,
        originHostHeader: arm(`reference(${id.app('site')}, '${API.apps}').configuration.ingress.fqdn`),
        origins: [
          {
            name: 'site',
            properties: {
              hostName: arm(`reference(${id.app('site')}, '${API.apps}').configuration.ingress.fqdn`),
              httpsPort: 443,
            },
          },
        ],
      },
    },
  ];
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    metadata: {
      description:
        'KidsStories Mesh on Azure: Container Apps, Redis, Blob Storage, Event Grid, ACR, Key Vault, CDN.',
      generator: '@kidsstories/azure-deploy (generated from src/infra; do not edit by hand)',
    },
    parameters: {
      namePrefix: {
        ...parameter(
          'string',
          'Prefix of every resource name (lowercase letters, digits, dashes).',
          'kidsstories',
        ),
        minLength: 3,
      },
      location: parameter('string', 'Region of the resources.', '[resourceGroup().location]'),
      containerName: parameter('string', 'Blob container the bundles are synced to.', 'stories'),
      bundleShareQuotaGiB: {
        ...parameter(
          'int',
          'Size cap in GiB of the Azure Files share the gateway replicas share as their bundle folder (/data/out). A standard share bills the GiB stored and its transactions, not the quota.',
          100,
        ),
        minValue: 1,
        maxValue: 5120,
      },
      redisSku: {
        ...parameter('string', 'Azure Cache for Redis tier.', 'Standard'),
        allowedValues: ['Basic', 'Standard'],
      },
      meshImage: parameter(
        'string',
        'The reference mesh image (apps/reference-mesh/Dockerfile): the gateway, text, media and video apps run it with `serve --role <role>`; the gateway runs the daily pipeline and the cloud sync.',
      ),
      relayImage: parameter('string', 'Image whose entrypoint is azure-deploy (runs `receive`).'),
      siteImage: parameter(
        'string',
        'Image of the story site (nginx); the publish-site workflow replaces it.',
      ),
      textQueueList: parameter(
        'string',
        "Redis list of the text queue's waiting jobs (BullMQ: bull:<queue>:wait).",
        'bull:kidsstories-text:wait',
      ),
      mediaQueueList: parameter(
        'string',
        "Redis list of the media server's image queue (the pipeline's kidsstories-image).",
        'bull:kidsstories-image:wait',
      ),
      videoQueueList: parameter(
        'string',
        "Redis list of the video queue's waiting jobs.",
        'bull:kidsstories-video:wait',
      ),
      openAiAccountName: parameter('string', 'Existing Azure OpenAI account in this resource group.'),
      runwareApiKey: parameter('securestring', 'Runware API key (stored in Key Vault).'),
      phi4Key: parameter('securestring', 'Phi-4 endpoint key (stored in Key Vault).'),
      phi4Endpoint: parameter('string', 'Phi-4 endpoint URL; empty leaves Phi-4 out.', ''),
      azureOpenAiApiKey: parameter('securestring', 'Key of the Azure OpenAI account (stored in Key Vault).'),
      meshSecret: {
        ...parameter(
          'securestring',
          'Secret the mesh servers sign peer tokens with (>= 32 random characters; stored in Key Vault).',
        ),
        minLength: 32,
      },
      githubRepository: parameter(
        'string',
        'owner/name of the repository whose publish-site workflow the relay dispatches.',
      ),
      githubToken: parameter(
        'securestring',
        'Token allowed to create repository_dispatch events (stored in Key Vault).',
      ),
      relaySecret: {
        ...parameter('securestring', 'Shared secret Event Grid sends to the relay (>= 16 characters).'),
        minLength: 16,
      },
    },
    variables: {
      suffix: arm('uniqueString(resourceGroup().id)'),
      compact: arm("toLower(replace(parameters('namePrefix'), '-', ''))"),
      logName: arm("format('{0}-logs', parameters('namePrefix'))"),
      identityName: arm("format('{0}-identity', parameters('namePrefix'))"),
      storageName: arm("take(format('{0}{1}', variables('compact'), variables('suffix')), 24)"),
      redisName: arm("format('{0}-redis-{1}', parameters('namePrefix'), variables('suffix'))"),
      acrName: arm("take(format('{0}acr{1}', variables('compact'), variables('suffix')), 50)"),
      keyVaultName: arm(
        "take(format('{0}-kv-{1}', take(parameters('namePrefix'), 8), variables('suffix')), 24)",
      ),
      environmentName: arm("format('{0}-env', parameters('namePrefix'))"),
      topicName: arm("format('{0}-storage-events', parameters('namePrefix'))"),
      cdnProfileName: arm("format('{0}-cdn', parameters('namePrefix'))"),
      cdnEndpointName: arm("format('{0}-{1}', parameters('namePrefix'), take(variables('suffix'), 6))"),
    },
    resources,
    outputs: {
      gatewayUrl: {
        type: 'string',
        value: arm(
          `format('https://{0}', reference(${id.app('gateway')}, '${API.apps}').configuration.ingress.fqdn)`,
        ),
      },
      relayUrl: {
        type: 'string',
        value: arm(
          `format('https://{0}/api/events', reference(${id.app('relay')}, '${API.apps}').configuration.ingress.fqdn)`,
        ),
      },
      siteUrl: {
        type: 'string',
        value: arm(
          `format('https://{0}', reference(resourceId('Microsoft.Cdn/profiles/endpoints', variables('cdnProfileName'), variables('cdnEndpointName')), '${API.cdn}').hostName)`,
        ),
      },
      acrLoginServer: { type: 'string', value: arm(`reference(${id.acr}, '${API.acr}').loginServer`) },
      storageAccountName: { type: 'string', value: arm("variables('storageName')") },
      keyVaultName: { type: 'string', value: arm("variables('keyVaultName')") },
      identityClientId: {
        type: 'string',
        value: arm(`reference(${identityId}, '${API.identity}').clientId`),
      },
    },
  };
}
