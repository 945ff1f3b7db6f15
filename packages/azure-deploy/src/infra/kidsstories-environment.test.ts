import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { APP_SPECS, MESH_SERVE_SCRIPT } from './app-specs.js';
import { type ArmResource, renderArmTemplate } from './arm-template.js';
import { BUNDLE_SHARE } from './bundle-share.js';
import { kidsStoriesEnvironment } from './kidsstories-environment.js';
import { BUILT_IN_ROLES } from './role-assignments.js';
import { ARM_TEMPLATE_FILE } from './write-infra.js';

const template = kidsStoriesEnvironment();
const ofType = (type: string) => template.resources.filter((resource) => resource.type === type);
const one = (type: string) => {
  const [resource, ...more] = ofType(type);
  expect(more, type).toEqual([]);
  return resource as ArmResource;
};
// biome-ignore lint/suspicious/noExplicitAny: the tests walk untyped ARM properties.
const props = (resource: ArmResource | undefined) => resource?.properties as any;
const app = (name: string) =>
  ofType('Microsoft.App/containerApps').find((resource) => resource.name.includes(`'{0}-${name}'`));

describe('the KidsStories ARM template, resource by resource', () => {
  it.each([
    ['gateway', 0.5, '1Gi', 1, 3],
    ['text', 1, '2Gi', 1, 5],
    ['media', 2, '4Gi', 2, 8],
    ['video', 1, '2Gi', 1, 4],
  ] as const)('the %s app has %s vCPU, %s and %i-%i replicas (the brief)', (name, cpu, memory, min, max) => {
    const template_ = props(app(name)).template;
    expect(template_.containers[0].resources).toEqual({ cpu, memory });
    expect(template_.scale).toMatchObject({ minReplicas: min, maxReplicas: max });
  });

  it('the gateway scales on HTTP concurrency > 50', () => {
    expect(props(app('gateway')).template.scale.rules).toEqual([
      { name: 'gateway-http', http: { metadata: { concurrentRequests: '50' } } },
    ]);
  });

  it.each([
    ['text', '10', 'textQueueList'],
    ['media', '5', 'mediaQueueList'],
    ['video', '3', 'videoQueueList'],
  ] as const)(
    '%s scales on its Redis queue list longer than %s, over TLS on 6380 with the key as a secret',
    (name, length, parameter) => {
      const resource = app(name);
      const [rule] = props(resource).template.scale.rules;
      expect(rule.custom).toEqual({
        type: 'redis',
        metadata: {
          address: expect.stringMatching(
            /^\[format\('\{0\}:6380', reference\(resourceId\('Microsoft\.Cache\/redis'/,
          ),
          listName: `[parameters('${parameter}')]`,
          listLength: length,
          enableTLS: 'true',
        },
        auth: [{ secretRef: 'redis-key', triggerParameter: 'password' }],
      });
      const secret = props(resource).configuration.secrets.find(
        (entry: { name: string }) => entry.name === 'redis-key',
      );
      expect(secret.keyVaultUrl).toMatch(/secrets\/redis-key/);
      expect(secret.identity).toMatch(/userAssignedIdentities/);
      expect(template.parameters[parameter]?.defaultValue).toMatch(/^bull:.+:wait$/);
    },
  );

  it('every app pulls from ACR and reads Key Vault with the user-assigned identity, after its roles exist', () => {
    for (const spec of APP_SPECS) {
      const resource = app(spec.name);
      expect(resource?.identity?.type, spec.name).toBe('UserAssigned');
      expect(props(resource).configuration.registries[0].identity).toMatch(/userAssignedIdentities/);
      for (const secret of props(resource).configuration.secrets) {
        expect(secret.keyVaultUrl, `${spec.name} ${secret.name}`).toMatch(/vaultUri/);
        expect(secret.value).toBeUndefined();
      }
      expect(resource?.dependsOn?.join(' ')).toMatch(BUILT_IN_ROLES.acrPull);
      expect(resource?.dependsOn?.join(' ')).toMatch(BUILT_IN_ROLES.keyVaultSecretsUser);
    }
    const gatewayEnv = props(app('gateway')).template.containers[0].env;
    expect(gatewayEnv).toContainEqual({ name: 'REDIS_URL', secretRef: 'redis-url' });
    expect(gatewayEnv).toContainEqual({ name: 'RUNWARE_API_KEY', secretRef: 'runware-api-key' });
  });

  it('Key Vault (RBAC) holds the Redis key and the provider keys', () => {
    expect(props(one('Microsoft.KeyVault/vaults')).enableRbacAuthorization).toBe(true);
    const secrets = ofType('Microsoft.KeyVault/vaults/secrets').map((resource) => resource.name);
    for (const name of [
      'redis-key',
      'redis-url',
      'runware-api-key',
      'phi4-key',
      'azure-openai-api-key',
      'mesh-secret',
      'relay-secret',
      'github-token',
    ]) {
      expect(
        secrets.some((secret) => secret.includes(`/${name}'`)),
        name,
      ).toBe(true);
    }
    const redisKey = ofType('Microsoft.KeyVault/vaults/secrets').find((resource) =>
      resource.name.includes('redis-key'),
    );
    expect(props(redisKey).value).toMatch(
      /^\[listKeys\(resourceId\('Microsoft\.Cache\/redis'.*\.primaryKey\]$/,
    );
  });

  it('the identity holds AcrPull, Storage Blob Data Contributor, Key Vault Secrets User and Cognitive Services OpenAI User', () => {
    const assignments = ofType('Microsoft.Authorization/roleAssignments');
    const expected: Array<[string, RegExp]> = [
      [BUILT_IN_ROLES.acrPull, /Microsoft\.ContainerRegistry\/registries/],
      [BUILT_IN_ROLES.storageBlobDataContributor, /Microsoft\.Storage\/storageAccounts/],
      [BUILT_IN_ROLES.keyVaultSecretsUser, /Microsoft\.KeyVault\/vaults/],
      [BUILT_IN_ROLES.cognitiveServicesOpenAiUser, /Microsoft\.CognitiveServices\/accounts/],
    ];
    expect(assignments).toHaveLength(4);
    for (const [role, scope] of expected) {
      const assignment = assignments.find((resource) => props(resource).roleDefinitionId.includes(role));
      expect(assignment?.scope, role).toMatch(scope);
      expect(props(assignment).principalType).toBe('ServicePrincipal');
      expect(props(assignment).principalId).toMatch(/userAssignedIdentities.*principalId/);
    }
  });

  it('Redis is TLS only; storage, container, ACR, Log Analytics and the environment are there', () => {
    expect(props(one('Microsoft.Cache/redis'))).toMatchObject({
      enableNonSslPort: false,
      minimumTlsVersion: '1.2',
    });
    expect(props(one('Microsoft.Storage/storageAccounts'))).toMatchObject({ allowBlobPublicAccess: false });
    expect(one('Microsoft.Storage/storageAccounts/blobServices/containers').name).toMatch(/containerName/);
    expect(props(one('Microsoft.ContainerRegistry/registries')).adminUserEnabled).toBe(false);
    one('Microsoft.OperationalInsights/workspaces');
    expect(props(one('Microsoft.App/managedEnvironments')).appLogsConfiguration.destination).toBe(
      'log-analytics',
    );
  });

  it('Event Grid sends manifest BlobCreated events to the relay, with the secret header', () => {
    expect(props(one('Microsoft.EventGrid/systemTopics')).topicType).toBe(
      'Microsoft.Storage.StorageAccounts',
    );
    const subscription = props(one('Microsoft.EventGrid/systemTopics/eventSubscriptions'));
    expect(subscription.filter).toMatchObject({
      includedEventTypes: ['Microsoft.Storage.BlobCreated'],
      subjectEndsWith: '/story-manifest.json',
    });
    expect(subscription.destination.properties.endpointUrl).toMatch(
      /-relay'.*\/api\/events|api\/events.*-relay/s,
    );
    expect(subscription.destination.properties.deliveryAttributeMappings).toEqual([
      {
        name: 'x-relay-secret',
        type: 'Static',
        properties: { value: "[parameters('relaySecret')]", isSecret: true },
      },
    ]);
    expect(props(app('relay')).template.containers[0].args).toEqual(['receive', '--port', '8080']);
  });

  it.each([
    ['gateway', true, 7600],
    ['text', false, 7070],
    ['media', false, 7070],
    ['video', false, 7070],
  ] as const)(
    'the %s app runs the reference mesh image with serve --role (as its Dockerfile and compose do)',
    async (name, external, port) => {
      const resource = props(app(name));
      const [container] = resource.template.containers;
      expect(container.image).toBe("[parameters('meshImage')]");
      expect(container.command).toEqual(['sh', '-c']);
      expect(container.args).toEqual([MESH_SERVE_SCRIPT]);
      expect(MESH_SERVE_SCRIPT).toContain('serve --role "$ROLE"');
      const dockerfile = await readFile(
        new URL('../../../../apps/reference-mesh/Dockerfile', import.meta.url),
        'utf8',
      );
      expect(dockerfile).toContain(`CMD ["sh", "-c", ${JSON.stringify(MESH_SERVE_SCRIPT)}]`);
      const env = Object.fromEntries(
        container.env.map((entry: { name: string; value?: string; secretRef?: string }) => [
          entry.name,
          entry.secretRef === undefined ? entry.value : { secretRef: entry.secretRef },
        ]),
      );
      expect(env).toMatchObject({
        ROLE: name,
        PORT: '7600',
        MESH_PORT: '7070',
        REDIS_URL: { secretRef: 'redis-url' },
        MESH_SECRET: { secretRef: 'mesh-secret' },
        KIDSSTORIES_PROVIDERS: 'cloud',
        AZURE_OPENAI_API_KEY: { secretRef: 'azure-openai-api-key' },
        AZURE_AI_PHI4_ENDPOINT: "[parameters('phi4Endpoint')]",
        AZURE_AI_PHI4_KEY: { secretRef: 'phi4-key' },
        RUNWARE_API_KEY: { secretRef: 'runware-api-key' },
      });
      expect(env.AZURE_OPENAI_ENDPOINT).toMatch(/Microsoft\.CognitiveServices\/accounts.*\.endpoint\]$/);
      expect(env.AZURE_CLIENT_ID).toMatch(/userAssignedIdentities.*clientId/);
      // Every secret the container names is one of the app's Key Vault references, and nothing more.
      const secretRefs = container.env
        .map((entry: { secretRef?: string }) => entry.secretRef)
        .filter((ref: string | undefined) => ref !== undefined);
      const appSecrets = resource.configuration.secrets.map((secret: { name: string }) => secret.name);
      expect([...new Set([...secretRefs, 'redis-key'])].sort()).toEqual([...appSecrets].sort());
      for (const secret of resource.configuration.secrets) {
        expect(secret.keyVaultUrl).toContain(`secrets/${secret.name}`);
      }
      expect(resource.configuration.ingress).toMatchObject({
        external,
        targetPort: port,
        transport: external ? 'auto' : 'http2',
        allowInsecure: !external,
      });
      const roleOnly = [
        'MESH_PEERS',
        'MCP_ALLOWED_HOSTS',
        'KIDSSTORIES_BLOB_CONTAINER',
        'AZURE_STORAGE_ACCOUNT_URL',
      ];
      if (name === 'gateway') {
        expect(env.MESH_PEERS).toBe(
          "[format('text={0},media={1},video={2}', format('http://{0}-text', parameters('namePrefix')), format('http://{0}-media', parameters('namePrefix')), format('http://{0}-video', parameters('namePrefix')))]",
        );
        expect(env.MCP_ALLOWED_HOSTS).toMatch(
          /^\[format\('\{0\}-gateway\.\{1\}', parameters\('namePrefix'\), reference\(resourceId\('Microsoft\.App\/managedEnvironments'.*\.defaultDomain\)\]$/,
        );
        expect(env.KIDSSTORIES_BLOB_CONTAINER).toBe("[parameters('containerName')]");
        expect(env.AZURE_STORAGE_ACCOUNT_URL).toMatch(
          /Microsoft\.Storage\/storageAccounts.*primaryEndpoints\.blob\]$/,
        );
      } else {
        for (const key of roleOnly) expect(env, key).not.toHaveProperty(key);
      }
      if (name === 'text')
        expect(env.MESH_MEDIA_URL).toBe("[format('http://{0}-media', parameters('namePrefix'))]");
      else expect(env).not.toHaveProperty('MESH_MEDIA_URL');
    },
  );

  it('the Redis URL secret escapes the key, so a key holding / + = still parses', () => {
    const redisUrl = ofType('Microsoft.KeyVault/vaults/secrets').find((resource) =>
      resource.name.includes('redis-url'),
    );
    expect(props(redisUrl).value).toMatch(
      /^\[format\('rediss:\/\/:\{0\}@\{1\}:6380', uriComponent\(listKeys\(/,
    );
  });

  it('the CDN endpoint fronts the site, which keeps several revisions for traffic shifts', () => {
    expect(one('Microsoft.Cdn/profiles').sku).toEqual({ name: 'Standard_Microsoft' });
    expect(props(one('Microsoft.Cdn/profiles/endpoints')).origins[0].properties.hostName).toMatch(/-site'/);
    expect(props(app('site')).configuration.activeRevisionsMode).toBe('Multiple');
  });

  it('renders valid ARM JSON: decimals as json(), every parameter and variable it names is declared', () => {
    const text = renderArmTemplate(template);
    expect(text).toContain(`"cpu": "[json('0.5')]"`);
    const json = JSON.parse(text);
    const expressions = [...text.matchAll(/"(\[[^"]*\])"/g)].map((match) => match[1] ?? '');
    expect(expressions.length).toBeGreaterThan(50);
    for (const expression of expressions) {
      const opened = [...expression].filter((c) => c === '(').length;
      expect([...expression].filter((c) => c === ')').length, expression).toBe(opened);
      for (const [, name] of expression.matchAll(/parameters\('([^']+)'\)/g)) {
        expect(json.parameters, expression).toHaveProperty(name as string);
      }
      for (const [, name] of expression.matchAll(/variables\('([^']+)'\)/g)) {
        expect(json.variables, expression).toHaveProperty(name as string);
      }
    }
  });

  describe('the shared bundle folder (ADR 0007: replicas must share the --out folder)', () => {
    // The --out folder the mesh image's command writes bundles to, read from the command itself.
    const outDir = /--out (\S+)/.exec(MESH_SERVE_SCRIPT)?.[1];
    const share = one('Microsoft.Storage/storageAccounts/fileServices/shares');
    const storage = one('Microsoft.App/managedEnvironments/storages');

    it('an Azure Files share on the storage account, its quota a parameter', () => {
      expect(share.name).toBe(`[format('{0}/default/${BUNDLE_SHARE.name}', variables('storageName'))]`);
      expect(share.apiVersion).toBe(one('Microsoft.Storage/storageAccounts').apiVersion);
      expect(share.dependsOn).toEqual([
        "[resourceId('Microsoft.Storage/storageAccounts', variables('storageName'))]",
      ]);
      expect(props(share)).toEqual({
        shareQuota: "[parameters('bundleShareQuotaGiB')]",
        enabledProtocols: 'SMB',
      });
      expect(template.parameters.bundleShareQuotaGiB).toMatchObject({
        type: 'int',
        defaultValue: 100,
        minValue: 1,
        maxValue: 5120,
      });
    });

    it('the environment registers it read-write, with the account key from listKeys (never a literal)', () => {
      expect(storage.name).toBe(`[format('{0}/${BUNDLE_SHARE.name}', variables('environmentName'))]`);
      expect(storage.apiVersion).toBe(one('Microsoft.App/managedEnvironments').apiVersion);
      expect(props(storage).azureFile).toEqual({
        accountName: "[variables('storageName')]",
        accountKey: `[listKeys(resourceId('Microsoft.Storage/storageAccounts', variables('storageName')), '${one('Microsoft.Storage/storageAccounts').apiVersion}').keys[0].value]`,
        shareName: BUNDLE_SHARE.name,
        accessMode: 'ReadWrite',
      });
      // The environment and the share exist before the storage that names them.
      expect(storage.dependsOn).toEqual([
        "[resourceId('Microsoft.App/managedEnvironments', variables('environmentName'))]",
        `[resourceId('Microsoft.Storage/storageAccounts/fileServices/shares', variables('storageName'), 'default', '${BUNDLE_SHARE.name}')]`,
      ]);
      // No parameter carries a storage key: the key exists only inside the deployment.
      expect(Object.keys(template.parameters).filter((name) => /storage.*key/i.test(name))).toEqual([]);
    });

    it("every gateway replica mounts it at the command's --out folder, after the environment storage exists", () => {
      expect(outDir).toBe(BUNDLE_SHARE.mountPath);
      const gateway = app('gateway');
      const { template: revision } = props(gateway);
      // One revision template for every replica (1-3), so each replica gets the same volume and mount.
      expect(revision.scale.maxReplicas).toBeGreaterThan(1);
      expect(revision.volumes).toEqual([
        { name: BUNDLE_SHARE.name, storageType: 'AzureFile', storageName: BUNDLE_SHARE.name },
      ]);
      expect(revision.containers).toHaveLength(1);
      expect(revision.containers[0].volumeMounts).toEqual([
        { volumeName: BUNDLE_SHARE.name, mountPath: outDir },
      ]);
      expect(revision.containers[0].args).toEqual([MESH_SERVE_SCRIPT]);
      expect(gateway?.dependsOn).toContain(
        `[resourceId('Microsoft.App/managedEnvironments/storages', variables('environmentName'), '${BUNDLE_SHARE.name}')]`,
      );
      // The storage is declared before the app in the template too, which reads top-down.
      const index = (resource: ArmResource | undefined) =>
        template.resources.indexOf(resource as ArmResource);
      expect(index(storage)).toBeLessThan(index(gateway));
    });

    it.each(['text', 'media', 'video', 'relay', 'site'])('the %s app does not mount it', (name) => {
      // Only the gateway's pipeline writes bundle files (and its cloud sync reads them): the text, media and video
      // servers return their media over the mesh to the job that called them, which writes it into the bundle on
      // the gateway's share; the relay and the site never touch the folder. Their out folder stays on local disk.
      const { template: revision } = props(app(name));
      expect(revision.volumes, name).toBeUndefined();
      for (const container of revision.containers) expect(container.volumeMounts, name).toBeUndefined();
      expect(app(name)?.dependsOn?.join(' '), name).not.toContain('managedEnvironments/storages');
      expect(APP_SPECS.find((spec) => spec.name === name)?.sharesBundles).not.toBe(true);
    });
  });

  it('the committed template is up to date (npx azure-deploy infra templates)', async () => {
    const committed = await readFile(
      new URL(`../../templates/${ARM_TEMPLATE_FILE}`, import.meta.url),
      'utf8',
    );
    expect(committed).toBe(renderArmTemplate(template));
  });
});
