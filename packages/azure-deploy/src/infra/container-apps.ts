import type { Container, Secret } from '@azure/arm-appcontainers';
import { type AppSpec, scaleRuleOf } from './app-specs.js';
import { type ArmResource, arm, resourceId } from './arm-template.js';
import { API, id, identityId, KEY_VAULT_SECRETS, redisHost, roleAssignmentId } from './resource-ids.js';

/** The app's secrets: Key Vault references read with the user-assigned identity. */
function appSecrets(names: readonly string[]): Secret[] {
  return names.map((name) => ({
    name,
    keyVaultUrl: arm(`format('{0}secrets/${name}', reference(${id.keyVault}, '${API.keyVault}').vaultUri)`),
    identity: arm(identityId),
  }));
}

/** What each app runs with: secrets it references and its container. */
function containerOf(spec: AppSpec): { secrets: string[]; container: Container } {
  const common = [
    { name: 'AZURE_CLIENT_ID', value: arm(`reference(${identityId}, '${API.identity}').clientId`) },
    { name: 'LOG_LEVEL', value: 'info' },
  ];
  const resources = { cpu: spec.cpu, memory: spec.memory };
  const image = arm(`parameters('${spec.imageParameter}')`);
  if (spec.name === 'site') return { secrets: [], container: { name: 'site', image, resources } };
  if (spec.name === 'relay') {
    return {
      secrets: ['relay-secret', 'github-token'],
      container: {
        name: 'relay',
        image,
        resources,
        args: ['receive', '--port', '8080'],
        env: [
          ...common,
          { name: 'RELAY_SECRET', secretRef: 'relay-secret' },
          { name: 'GITHUB_TOKEN', secretRef: 'github-token' },
          { name: 'GITHUB_REPOSITORY', value: arm("parameters('githubRepository')") },
        ],
      },
    };
  }
  const mesh = [
    ...common,
    { name: 'REDIS_URL', secretRef: 'redis-url' },
    { name: 'KIDSSTORIES_PROVIDERS', value: 'cloud' },
    {
      name: 'AZURE_OPENAI_ENDPOINT',
      value: arm(
        `reference(resourceId('Microsoft.CognitiveServices/accounts', parameters('openAiAccountName')), '2023-05-01').endpoint`,
      ),
    },
    { name: 'RUNWARE_API_KEY', secretRef: 'runware-api-key' },
    { name: 'PHI4_KEY', secretRef: 'phi4-key' },
  ];
  const secrets = ['redis-key', 'redis-url', 'runware-api-key', 'phi4-key'];
  if (spec.name === 'gateway') {
    const storage = [
      {
        name: 'AZURE_STORAGE_ACCOUNT_URL',
        value: arm(`reference(${id.storage}, '${API.storage}').primaryEndpoints.blob`),
      },
      { name: 'AZURE_STORAGE_CONTAINER', value: arm("parameters('containerName')") },
    ];
    return { secrets, container: { name: 'gateway', image, resources, env: [...mesh, ...storage] } };
  }
  return {
    secrets,
    container: {
      name: spec.name,
      image,
      resources,
      args: ['serve', spec.name, '--port', '8080', '--host', '0.0.0.0'],
      env: mesh,
    },
  };
}

/** The Container App resource of one {@link AppSpec}. */
export function containerApp(spec: AppSpec): ArmResource {
  const { secrets, container } = containerOf(spec);
  return {
    type: 'Microsoft.App/containerApps',
    apiVersion: API.apps,
    name: arm(`format('{0}-${spec.name}', parameters('namePrefix'))`),
    location: arm("parameters('location')"),
    identity: { type: 'UserAssigned', userAssignedIdentities: { [arm(identityId)]: {} } },
    // Key Vault references and image pulls need the identity's roles in place first.
    dependsOn: [
      id.environment,
      roleAssignmentId('acrPull'),
      roleAssignmentId('keyVaultSecretsUser'),
      ...KEY_VAULT_SECRETS.map((secret) =>
        resourceId('Microsoft.KeyVault/vaults/secrets', "variables('keyVaultName')", `'${secret.name}'`),
      ),
    ].map(arm),
    properties: {
      managedEnvironmentId: arm(id.environment),
      configuration: {
        // Multiple revisions, so a release can shift traffic to a checked revision and back (see the workflow).
        activeRevisionsMode: spec.name === 'site' ? 'Multiple' : 'Single',
        registries: [
          { server: arm(`reference(${id.acr}, '${API.acr}').loginServer`), identity: arm(identityId) },
        ],
        secrets: appSecrets(secrets),
        ...(spec.ingress !== 'none' && {
          ingress: {
            external: spec.ingress === 'external',
            targetPort: spec.targetPort,
            transport: 'auto',
            allowInsecure: false,
            ...(spec.name === 'site' && { traffic: [{ latestRevision: true, weight: 100 }] }),
          },
        }),
      },
      template: {
        containers: [container],
        scale: {
          minReplicas: spec.minReplicas,
          maxReplicas: spec.maxReplicas,
          rules: [scaleRuleOf(spec, redisHost)],
        },
      },
    },
  };
}
