import type { ContainerApp, ContainerAppsAPIClient, TrafficWeight } from '@azure/arm-appcontainers';
import type { CdnManagementClient } from '@azure/arm-cdn';
import { MeshError } from '@kidsstories/mesh-core';

/** A step of a release. */
export type ReleaseStep = 'revision' | 'health' | 'traffic' | 'rollback' | 'purge';

/** Progress of a release, one event per step outcome. */
export interface ReleaseProgress {
  step: ReleaseStep;
  status: 'done' | 'skipped' | 'failed';
  detail: string;
}

/** Options for {@link releaseSite}. */
export interface SiteReleaseOptions {
  /** Container Apps management client (`new ContainerAppsAPIClient(credential, subscriptionId)`). */
  containerApps: ContainerAppsAPIClient;
  /** CDN management client; without it (or `cdnProfile`/`cdnEndpoint`) the purge is skipped. */
  cdn?: CdnManagementClient;
  resourceGroup: string;
  /** The site's Container App (in multiple-revision mode). */
  appName: string;
  /** Image to release, `registry/story-site:sha`. */
  image: string;
  /** Suffix of the new revision (such as `r` + the commit's first 7 characters); the same suffix resumes. */
  revisionSuffix: string;
  cdnProfile?: string;
  cdnEndpoint?: string;
  /** Path checked on the new revision before it gets traffic. Default `/healthz`. */
  healthPath?: string;
  /** Checks before giving up. Default 30. */
  healthAttempts?: number;
  /** Pause between checks, in milliseconds. Default 10 000. */
  healthIntervalMs?: number;
  /** Report each step. */
  onProgress?: (progress: ReleaseProgress) => void;
  /** HTTP client of the health check. Default the global `fetch`. */
  fetch?: typeof fetch;
  /** Waits between checks. Default a timer. */
  sleep?: (ms: number) => Promise<void>;
}

/** What {@link releaseSite} did. */
export interface SiteReleaseReport {
  /** The new revision, `{app}--{suffix}`. */
  revision: string;
  /** The revision that had the traffic before, when there was one. */
  previous?: string;
  outcome: 'released' | 'rolled-back';
  steps: ReleaseProgress[];
}

const isNotFound = (error: unknown) => (error as { statusCode?: number })?.statusCode === 404;

/**
 * The publish-site workflow's release steps as a library, for users without GitHub Actions: create the revision
 * running `image` (skipped when a revision with that suffix exists), check `healthPath` on it, then shift all
 * traffic to it (skipped when it already has it) and purge the CDN; when the check fails, give the traffic back
 * to the previous revision and deactivate the new one. Every step is idempotent, so running it again with the
 * same suffix resumes where a failed run stopped.
 *
 * @throws MeshError `failed_precondition` when the app has no ingress or no containers; the SDK's errors for
 *   management calls that fail.
 * @example
 * ```ts
 * const report = await releaseSite({ containerApps, cdn, resourceGroup: 'kidsstories', appName: 'kidsstories-site',
 *   image: 'kidsacr.azurecr.io/story-site:0a1b2c3', revisionSuffix: 'r0a1b2c3', cdnProfile: 'kidsstories-cdn',
 *   cdnEndpoint: 'kidsstories-web' });
 * ```
 */
export async function releaseSite(options: SiteReleaseOptions): Promise<SiteReleaseReport> {
  const { containerApps, resourceGroup, appName } = options;
  const steps: ReleaseProgress[] = [];
  const record = (progress: ReleaseProgress) => {
    steps.push(progress);
    options.onProgress?.(progress);
  };
  const app = await containerApps.containerApps.get(resourceGroup, appName);
  const ingress = app.configuration?.ingress;
  const containers = app.template?.containers ?? [];
  if (!ingress || containers.length === 0) {
    throw new MeshError(`${appName} has no ingress or no containers to release`, 'failed_precondition', {
      details: { appName },
    });
  }
  const revision = `${appName}--${options.revisionSuffix}`;
  const previous = ingress.traffic?.find(
    (entry) => (entry.weight ?? 0) > 0 && entry.revisionName !== revision,
  )?.revisionName;
  const setTraffic = (traffic: TrafficWeight[]) =>
    containerApps.containerApps.beginUpdateAndWait(resourceGroup, appName, {
      location: app.location,
      configuration: { ingress: { ...ingress, traffic } },
    } as ContainerApp);

  let fqdn: string | undefined;
  try {
    fqdn = (await containerApps.containerAppsRevisions.getRevision(resourceGroup, appName, revision)).fqdn;
    record({ step: 'revision', status: 'skipped', detail: `${revision} exists` });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await containerApps.containerApps.beginUpdateAndWait(resourceGroup, appName, {
      location: app.location,
      template: {
        ...app.template,
        revisionSuffix: options.revisionSuffix,
        containers: containers.map((container, index) =>
          index === 0 ? { ...container, image: options.image } : container,
        ),
      },
    });
    fqdn = (await containerApps.containerAppsRevisions.getRevision(resourceGroup, appName, revision)).fqdn;
    record({ step: 'revision', status: 'done', detail: `${revision} runs ${options.image}` });
  }

  const healthy = await checkHealth(`https://${fqdn}${options.healthPath ?? '/healthz'}`, options);
  record({
    step: 'health',
    status: healthy ? 'done' : 'failed',
    detail: `${revision} ${healthy ? 'healthy' : 'failed its health check'}`,
  });
  if (!healthy) {
    if (previous) await setTraffic([{ revisionName: previous, weight: 100 }]);
    await containerApps.containerAppsRevisions.deactivateRevision(resourceGroup, appName, revision);
    record({
      step: 'rollback',
      status: 'done',
      detail: `traffic stays on ${previous ?? '(none)'}; ${revision} deactivated`,
    });
    return { revision, ...(previous && { previous }), outcome: 'rolled-back', steps };
  }

  const current = ingress.traffic ?? [];
  if (current.length === 1 && current[0]?.revisionName === revision && current[0]?.weight === 100) {
    record({ step: 'traffic', status: 'skipped', detail: `${revision} already has 100%` });
  } else {
    await setTraffic([{ revisionName: revision, weight: 100 }]);
    record({ step: 'traffic', status: 'done', detail: `${revision} 0 -> 100%` });
  }

  if (options.cdn && options.cdnProfile && options.cdnEndpoint) {
    await options.cdn.endpoints.beginPurgeContentAndWait(
      resourceGroup,
      options.cdnProfile,
      options.cdnEndpoint,
      {
        contentPaths: ['/*'],
      },
    );
    record({ step: 'purge', status: 'done', detail: `${options.cdnProfile}/${options.cdnEndpoint} /*` });
  } else {
    record({ step: 'purge', status: 'skipped', detail: 'no CDN configured' });
  }
  return { revision, ...(previous && { previous }), outcome: 'released', steps };
}

async function checkHealth(url: string, options: SiteReleaseOptions): Promise<boolean> {
  const attempts = options.healthAttempts ?? 30;
  const fetcher = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await fetcher(url, { signal: AbortSignal.timeout(5_000) });
      if (response.ok) return true;
    } catch {
      // Not up yet: try again.
    }
    if (attempt < attempts) await sleep(options.healthIntervalMs ?? 10_000);
  }
  return false;
}
