import type { ManagedEnvironmentStorageProperties, Volume, VolumeMount } from '@azure/arm-appcontainers';
import { MESH_OUT_DIR } from './app-specs.js';
import { type ArmResource, arm, resourceId } from './arm-template.js';
import { API, id } from './resource-ids.js';

/**
 * The shared bundle folder of the gateway's replicas: one Azure Files share on the template's storage account,
 * registered in the Container Apps environment and mounted at the mesh's `--out` folder. ADR 0007 (decision 5):
 * BullMQ jobs run on any replica and write their media into the bundle, and the cloud sync takes each
 * `bundle.complete` event on whichever replica its consumer group hands it to, so every replica must see the same
 * folder. The share, the environment storage and the app volume all use this one name.
 */
export const BUNDLE_SHARE = Object.freeze({ name: 'bundles', mountPath: MESH_OUT_DIR });

/** Resource id expressions (without brackets) of the share and of its registration in the environment. */
export const bundleShareId = {
  share: resourceId(
    'Microsoft.Storage/storageAccounts/fileServices/shares',
    "variables('storageName')",
    "'default'",
    `'${BUNDLE_SHARE.name}'`,
  ),
  environmentStorage: resourceId(
    'Microsoft.App/managedEnvironments/storages',
    "variables('environmentName')",
    `'${BUNDLE_SHARE.name}'`,
  ),
};

/**
 * The properties of a file share the template sets, named as in `@azure/arm-storage`'s `FileShare` model (that
 * package is not a dependency here; these two fields are all the share needs).
 */
interface FileShareProperties {
  /** Maximum size in GiB (1-5120 on a standard account without large file shares). */
  shareQuota: number | string;
  /** SMB: the protocol Container Apps' `AzureFile` volumes mount. */
  enabledProtocols: 'SMB';
}

/**
 * The share (`Microsoft.Storage/storageAccounts/fileServices/shares`, its quota from the `bundleShareQuotaGiB`
 * parameter) and its registration in the Container Apps environment (`Microsoft.App/managedEnvironments/storages`,
 * `azureFile`, read-write). Container Apps mounts Azure Files over SMB with the account key, which has no managed
 * identity option: the key is read with `listKeys` at deployment time and never appears in the template or its
 * parameters.
 */
export function bundleShareResources(): ArmResource[] {
  const share: FileShareProperties = {
    shareQuota: arm("parameters('bundleShareQuotaGiB')"),
    enabledProtocols: 'SMB',
  };
  const storage: ManagedEnvironmentStorageProperties = {
    azureFile: {
      accountName: arm("variables('storageName')"),
      accountKey: arm(`listKeys(${id.storage}, '${API.storage}').keys[0].value`),
      shareName: BUNDLE_SHARE.name,
      accessMode: 'ReadWrite',
    },
  };
  return [
    {
      type: 'Microsoft.Storage/storageAccounts/fileServices/shares',
      apiVersion: API.storage,
      name: arm(`format('{0}/default/${BUNDLE_SHARE.name}', variables('storageName'))`),
      dependsOn: [arm(id.storage)],
      properties: { ...share },
    },
    {
      type: 'Microsoft.App/managedEnvironments/storages',
      apiVersion: API.apps,
      name: arm(`format('{0}/${BUNDLE_SHARE.name}', variables('environmentName'))`),
      dependsOn: [arm(id.environment), arm(bundleShareId.share)],
      properties: { ...storage },
    },
  ];
}

/** The app's volume on the environment storage, and the container's mount of it at the mesh's `--out` folder. */
export function bundleVolume(): { volume: Volume; mount: VolumeMount } {
  return {
    volume: { name: BUNDLE_SHARE.name, storageType: 'AzureFile', storageName: BUNDLE_SHARE.name },
    mount: { volumeName: BUNDLE_SHARE.name, mountPath: BUNDLE_SHARE.mountPath },
  };
}
