import type { ScaleRule } from '@azure/arm-appcontainers';

/** Port the Azure Cache for Redis TLS endpoint listens on. */
export const REDIS_TLS_PORT = 6380;

/** Ports of the reference mesh image (apps/reference-mesh/Dockerfile): the MCP endpoint and the mesh service. */
export const MESH_PORTS = Object.freeze({ mcp: 7600, mesh: 7070 });

/**
 * Where the reference mesh writes story bundles (`serve --out`), the folder its Dockerfile declares as a volume. In
 * Azure the gateway mounts the shared bundle share here (see `BUNDLE_SHARE`).
 */
export const MESH_OUT_DIR = '/data/out';

/**
 * What the gateway, text, media and video apps run: the reference mesh image's own command (its Dockerfile `CMD`,
 * the command apps/reference-mesh/compose.yaml and the distributed tests run), `kidsstories-mesh serve --role`
 * with the role, ports and Redis URL from the environment. A shell expands them, since the Redis URL is a secret.
 */
export const MESH_SERVE_SCRIPT = `exec node apps/reference-mesh/dist/cli.js serve --role "$ROLE" --host 0.0.0.0 --port "$PORT" --mesh-port "$MESH_PORT" --redis "$REDIS_URL" --instance-id "$ROLE-$(hostname)" --out ${MESH_OUT_DIR}`;

/** One Container App of the environment: size, replica range and how it scales. */
export interface AppSpec {
  /** Short name; the app is named `{prefix}-{name}`. */
  name: 'gateway' | 'text' | 'media' | 'video' | 'relay' | 'site';
  /** vCPU. */
  cpu: number;
  /** Memory, such as `1Gi`. */
  memory: string;
  minReplicas: number;
  maxReplicas: number;
  /** Ingress: external (internet), internal (inside the environment), none. */
  ingress: 'external' | 'internal' | 'none';
  /** Port the ingress sends traffic to: the gateway's MCP endpoint, the workers' mesh service (HTTP/2). */
  targetPort: number;
  /** How it scales: HTTP concurrency, or the length of a Redis list (the queue's waiting jobs). */
  scale:
    | { kind: 'http'; concurrentRequests: number }
    | {
        kind: 'redis-list';
        parameter: 'textQueueList' | 'mediaQueueList' | 'videoQueueList';
        listLength: number;
      };
  /** Image parameter of the template. */
  imageParameter: string;
  /**
   * Mounts the shared bundle share (Azure Files) at {@link MESH_OUT_DIR} in every replica. Only the apps that write
   * or read bundle files need it (ADR 0007: "Replicas must share the --out folder"). Default `false`.
   */
  sharesBundles?: boolean;
}

/**
 * The brief's table (KidsStories architecture, "Container Apps"): gateway on HTTP concurrency > 50 with 1-3
 * replicas; text, media and video on Redis queue length > 10, > 5, > 3 with 1-5, 2-8 and 1-4 replicas. The relay
 * (Event Grid receiver) and the story site are small HTTP apps.
 */
export const APP_SPECS: readonly AppSpec[] = [
  {
    name: 'gateway',
    cpu: 0.5,
    memory: '1Gi',
    minReplicas: 1,
    maxReplicas: 3,
    ingress: 'external',
    targetPort: MESH_PORTS.mcp,
    scale: { kind: 'http', concurrentRequests: 50 },
    imageParameter: 'meshImage',
    // The pipeline runs here: its BullMQ jobs write media into the bundle on any gateway replica, and the cloud
    // sync may take a bundle.complete event on a replica that did not write the bundle.
    sharesBundles: true,
  },
  {
    name: 'text',
    cpu: 1,
    memory: '2Gi',
    minReplicas: 1,
    maxReplicas: 5,
    ingress: 'internal',
    targetPort: MESH_PORTS.mesh,
    scale: { kind: 'redis-list', parameter: 'textQueueList', listLength: 10 },
    imageParameter: 'meshImage',
  },
  {
    name: 'media',
    cpu: 2,
    memory: '4Gi',
    minReplicas: 2,
    maxReplicas: 8,
    ingress: 'internal',
    targetPort: MESH_PORTS.mesh,
    scale: { kind: 'redis-list', parameter: 'mediaQueueList', listLength: 5 },
    imageParameter: 'meshImage',
  },
  {
    name: 'video',
    cpu: 1,
    memory: '2Gi',
    minReplicas: 1,
    maxReplicas: 4,
    ingress: 'internal',
    targetPort: MESH_PORTS.mesh,
    scale: { kind: 'redis-list', parameter: 'videoQueueList', listLength: 3 },
    imageParameter: 'meshImage',
  },
  {
    name: 'relay',
    cpu: 0.25,
    memory: '0.5Gi',
    minReplicas: 1,
    maxReplicas: 2,
    ingress: 'external',
    targetPort: 8080,
    scale: { kind: 'http', concurrentRequests: 50 },
    imageParameter: 'relayImage',
  },
  {
    name: 'site',
    cpu: 0.25,
    memory: '0.5Gi',
    minReplicas: 1,
    maxReplicas: 3,
    ingress: 'external',
    targetPort: 80,
    scale: { kind: 'http', concurrentRequests: 100 },
    imageParameter: 'siteImage',
  },
];

/**
 * The KEDA scale rule of an app, as Container Apps takes it. The Redis scaler reads a list's length over TLS on
 * 6380 and authenticates with the access key from a secret (it cannot use a managed identity).
 *
 * @param redisHost ARM expression (without brackets) of the cache's host name.
 */
export function scaleRuleOf(spec: AppSpec, redisHost: string): ScaleRule {
  if (spec.scale.kind === 'http') {
    return {
      name: `${spec.name}-http`,
      http: { metadata: { concurrentRequests: String(spec.scale.concurrentRequests) } },
    };
  }
  return {
    name: `${spec.name}-queue`,
    custom: {
      type: 'redis',
      metadata: {
        address: `[format('{0}:${REDIS_TLS_PORT}', ${redisHost})]`,
        listName: `[parameters('${spec.scale.parameter}')]`,
        listLength: String(spec.scale.listLength),
        enableTLS: 'true',
      },
      auth: [{ secretRef: 'redis-key', triggerParameter: 'password' }],
    },
  };
}
