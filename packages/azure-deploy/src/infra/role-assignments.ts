/**
 * Built-in Azure role definition ids the environment's managed identity needs
 * (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
 */
export const BUILT_IN_ROLES = {
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  cognitiveServicesOpenAiUser: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd',
} as const;

/** Name of a built-in role. */
export type BuiltInRole = keyof typeof BUILT_IN_ROLES;

/** Which role the identity holds on which resource (ARM resource id expressions, without brackets). */
export const ROLE_SCOPES: ReadonlyArray<{ role: BuiltInRole; scope: string; why: string }> = [
  {
    role: 'acrPull',
    scope: "resourceId('Microsoft.ContainerRegistry/registries', variables('acrName'))",
    why: 'pull the images',
  },
  {
    role: 'storageBlobDataContributor',
    scope: "resourceId('Microsoft.Storage/storageAccounts', variables('storageName'))",
    why: 'sync the bundles',
  },
  {
    role: 'keyVaultSecretsUser',
    scope: "resourceId('Microsoft.KeyVault/vaults', variables('keyVaultName'))",
    why: 'read the Key Vault-referenced secrets',
  },
  {
    role: 'cognitiveServicesOpenAiUser',
    scope: "resourceId('Microsoft.CognitiveServices/accounts', parameters('openAiAccountName'))",
    why: 'call Azure OpenAI without a key',
  },
];
