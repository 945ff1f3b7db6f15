import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, MeshError, silentLogger } from '@kidsstories/mesh-core';
import type { StoryProvider } from './provider-types.js';

/** Options for {@link withBackupDeployment}. */
export interface BackupDeploymentOptions {
  /**
   * Longest wait the primary's `Retry-After` is honoured for before the backup is called, in milliseconds; a
   * longer `Retry-After` is cut to this. Default 30 000.
   */
  maxWaitMs?: number;
  /** Default: silent. */
  logger?: Logger;
}

/** Defaults of {@link BackupDeploymentOptions}. */
export const DEFAULT_BACKUP_DEPLOYMENT = Object.freeze({ maxWaitMs: 30_000 });

/**
 * A story provider that falls back to a backup deployment when the primary's quota is exceeded (the brief's
 * "OpenAI quota exceeded: 429 + Retry-After -> wait + retry -> switch to backup deployment"): on a 429
 * (`resource_exhausted` from a provider, with `details.retryAfterMs` read from `Retry-After`) it waits as told (at
 * most `maxWaitMs`), then sends the same request to `backup`. Any other failure is the primary's to report.
 *
 * @example
 * ```ts
 * const story = withBackupDeployment(
 *   createOpenAIStoryProvider({ client, model: 'gpt-4o', deployment: 'gpt-4o-eastus' }),
 *   createOpenAIStoryProvider({ client: backupClient, model: 'gpt-4o', deployment: 'gpt-4o-westus' }),
 * );
 * ```
 */
export function withBackupDeployment(
  primary: StoryProvider,
  backup: StoryProvider,
  options: BackupDeploymentOptions = {},
): StoryProvider {
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_BACKUP_DEPLOYMENT.maxWaitMs;
  if (!Number.isFinite(maxWaitMs) || maxWaitMs < 0) {
    throw new MeshError('maxWaitMs must be a number >= 0', 'invalid_argument', {
      details: { field: 'maxWaitMs' },
    });
  }
  const logger = options.logger ?? silentLogger;
  return {
    name: primary.name,
    ...(primary.deterministic === undefined ? {} : { deterministic: primary.deterministic }),
    ...(primary.model === undefined ? {} : { model: primary.model }),
    async generateStory(request, callOptions) {
      try {
        return await primary.generateStory(request, callOptions);
      } catch (error) {
        if (!isQuotaExceeded(error)) throw error;
        const waitMs = Math.min(maxWaitMs, Number(error.details.retryAfterMs ?? 0));
        logger.warn('story deployment quota exceeded; switching to the backup deployment', {
          primary: primary.name,
          backup: backup.name,
          waitMs,
        });
        await sleep(waitMs, undefined, callOptions?.signal ? { signal: callOptions.signal } : {});
        return backup.generateStory(request, callOptions);
      }
    },
  };
}

/** A provider's 429 (not a ledger budget refusal, which names a `scope`). */
function isQuotaExceeded(error: unknown): error is MeshError {
  return (
    MeshError.isInstance(error) && error.code === 'resource_exhausted' && error.details.scope === undefined
  );
}
