import type { Container, Secret } from '@azure/arm-appcontainers';
import { type AppSpec, MESH_PORTS, MESH_SERVE_SCRIPT, scaleRuleOf } from './app-specs.js';
import { type ArmResource, arm, resourceId } from './arm-template.js';
import { bundleShareId, bundleVolume } from './bundle-share.js';
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
  // The reference mesh image, one per role, as apps/reference-mesh/compose.yaml runs it.
  const appUrl = (name: string) => `format('http://{0}-${name}', parameters('namePrefix'))`;
  const mesh = [
    ...common,
    { name: 'ROLE', value: spec.name },
    { name: 'PORT', value: String(MESH_PORTS.mcp) },
    { name: 'MESH_PORT', value: String(MESH_PORTS.mesh) },
    { name: 'REDIS_URL', secretRef: 'redis-url' },
    // Signed peer tokens on every mesh link (the workers' ingress is internal, and plain HTTP/2 inside it).
    { name: 'MESH_SECRET', secretRef: 'mesh-secret' },
    { name: 'KIDSSTORIES_PROVIDERS', value: 'cloud' },
    {
      name: 'AZURE_OPENAI_ENDPOINT',
      value: arm(
        `reference(resourceId('Microsoft.CognitiveServices/accounts', parameters('openAiAccountName')), '2023-05-01').endpoint`,
      ),
    },
    { name: 'AZURE_OPENAI_API_KEY', secretRef: 'azure-openai-api-key' },
    { name: 'AZURE_AI_PHI4_ENDPOINT', value: arm("parameters('phi4Endpoint')") },
    { name: 'AZURE_AI_PHI4_KEY', secretRef: 'phi4-key' },
    { name: 'RUNWARE_API_KEY', secretRef: 'runware-api-key' },
  ];
  const secrets = [
    'redis-key',
    'redis-url',
    'mesh-secret',
    'azure-openai-api-key',
    'runware-api-key',
    'phi4-key',
  ];
  const roleEnv =
    spec.name === 'gateway'
      ? [
          {
            name: 'MESH_PEERS',
            value: arm(
              `format('text={0},media={1},video={2}', ${appUrl('text')}, ${appUrl('media')}, ${appUrl('video')})`,
            ),
          },
          // Clients reach the gateway by its public name, which the MCP endpoint's Host check must accept.
          {
            name: 'MCP_ALLOWED_HOSTS',
            value: arm(
              `format('{0}-gateway.{1}', parameters('namePrefix'), reference(${id.environment}, '${API.apps}').defaultDomain)`,
            ),
          },
          // The cloud sync: each finished bundle goes to the container (Entra ID with the app's identity).
          { name: 'KIDSSTORIES_BLOB_CONTAINER', value: arm("parameters('containerName')") },
          {
            name: 'AZURE_STORAGE_ACCOUNT_URL',
            value: arm(`reference(${id.storage}, '${API.storage}').primaryEndpoints.blob`),
          },
        ]
      : spec.name === 'text'
        ? [{ name: 'MESH_MEDIA_URL', value: arm(appUrl('media')) }]
        : [];
  return {
    secrets,
    container: {
      name: spec.name,
      image,
      resources,
      command: ['sh', '-c'],
      args: [MESH_SERVE_SCRIPT],
      env: [...mesh, ...roleEnv],
    },
  };
}

/** The Container App resource of one {@link AppSpec}. */
export function containerApp(spec: AppSpec): ArmResource {
  const { secrets, container } = containerOf(spec);
  // Every replica mounts the one shared bundle folder, so a job or a sync on any replica sees every bundle.
  const bundles = spec.sharesBundles ? bundleVolume() : undefined;
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
      // A volume names an environment storage, which must exist before the revision that mounts it.
      ...(bundles ? [bundleShareId.environmentStorage] : []),
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
            // The workers' mesh service speaks HTTP/2 without TLS (h2c), reached as http://{prefix}-{role}
            // from inside the environment only.
            transport: spec.ingress === 'internal' ? 'http2' : 'auto',
            allowInsecure: spec.ingress === 'internal',
            ...(spec.name === 'site' && { traffic: [{ latestRevision: true, weight: 100 }] }),
          },
        }),
      },
      template: {
        containers: [bundles ? { ...container, volumeMounts: [bundles.mount] } : container],
        ...(bundles && { volumes: [bundles.volume] }),
        scale: {
          minReplicas: spec.minReplicas,
          maxReplicas: spec.maxReplicas,
          rules: [scaleRuleOf(spec, redisHost)],
        },
      },
    },
  };
}
