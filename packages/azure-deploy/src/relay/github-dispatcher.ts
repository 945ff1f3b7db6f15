import { MeshError } from '@kidsstories/mesh-core';
import { retryDelayMs } from '@kidsstories/mesh-core/resilience';
import { Octokit } from '@octokit/rest';

/** GitHub's limits on `repository_dispatch` (REST API "Create a repository dispatch event"). */
export const REPOSITORY_DISPATCH_LIMITS = { eventTypeChars: 100, clientPayloadKeys: 10 } as const;

/** One `repository_dispatch` to send. */
export interface RepositoryDispatch {
  /** At most 100 characters; the workflow's `on.repository_dispatch.types` names it. */
  eventType: string;
  /** At most 10 top-level keys. */
  clientPayload: Record<string, unknown>;
}

/** An alert raised when dispatching cannot work until someone acts (a bad or expired token). */
export interface RelayAlert {
  kind: 'github-unauthorized' | 'github-forbidden' | 'github-not-found';
  message: string;
  status: number;
}

/** Options for {@link createGitHubDispatcher}. */
export interface GitHubDispatcherOptions {
  /** `owner/name` of the repository whose workflow publishes the site. */
  repository: string;
  /** A token allowed to create dispatch events (fine-grained: Contents read and write). */
  token: string;
  /** API root. Default `https://api.github.com` (GitHub Enterprise: `https://HOST/api/v3`). */
  baseUrl?: string;
  /** Attempts per dispatch (first try included) on 5xx, 429 and network failures. Default 5. */
  maxAttempts?: number;
  /** Backoff before the second attempt, doubled each time, in milliseconds. Default 1 000. */
  initialDelayMs?: number;
  /** Cap of that backoff, in milliseconds. Default 30 000. */
  maxDelayMs?: number;
  /** Called when GitHub refuses the token or the repository (401, 403, 404); those are not retried. */
  onAlert?: (alert: RelayAlert) => void;
  /** HTTP client for the SDK. Default the global `fetch`. */
  fetch?: typeof fetch;
  /** Jitter source. Default `Math.random`. */
  random?: () => number;
  /** Waits between attempts. Default a timer. */
  sleep?: (ms: number) => Promise<void>;
}

/** Sends `repository_dispatch` events. */
export interface GitHubDispatcher {
  /**
   * Creates one dispatch event, retrying transient failures with backoff.
   *
   * @throws MeshError `invalid_argument` when the event breaks GitHub's limits; `unauthenticated` (401),
   *   `permission_denied` (403) or `not_found` (404) with an alert; `unavailable` after the last attempt.
   */
  dispatch(event: RepositoryDispatch): Promise<void>;
}

const statusOf = (error: unknown): number | undefined =>
  typeof (error as { status?: unknown })?.status === 'number'
    ? (error as { status: number }).status
    : undefined;

/**
 * A `repository_dispatch` sender over `@octokit/rest`: `POST /repos/{owner}/{repo}/dispatches`.
 *
 * @throws MeshError `invalid_argument` when `repository` is not `owner/name` or the token is empty.
 * @example
 * ```ts
 * const github = createGitHubDispatcher({ repository: 'me/kidsstories', token: process.env.GITHUB_TOKEN ?? '' });
 * await github.dispatch({ eventType: 'stories-published', clientPayload: { date: '2026-12-06' } });
 * ```
 */
export function createGitHubDispatcher(options: GitHubDispatcherOptions): GitHubDispatcher {
  const [owner, repo, extra] = options.repository.split('/');
  if (!owner || !repo || extra !== undefined) {
    throw new MeshError(`repository must be "owner/name", not "${options.repository}"`, 'invalid_argument', {
      details: { field: 'repository' },
    });
  }
  if (!options.token) {
    throw new MeshError('a GitHub token is required (GITHUB_TOKEN)', 'invalid_argument', {
      details: { field: 'token' },
    });
  }
  const octokit = new Octokit({
    auth: options.token,
    userAgent: 'kidsstories-azure-deploy',
    ...(options.baseUrl !== undefined && { baseUrl: options.baseUrl }),
    ...(options.fetch && { request: { fetch: options.fetch } }),
  });
  const maxAttempts = options.maxAttempts ?? 5;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const backoff = {
    initialDelayMs: options.initialDelayMs ?? 1_000,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    jitter: 0.5,
    random: options.random ?? Math.random,
  };
  return {
    async dispatch(event) {
      checkLimits(event);
      for (let attempt = 1; ; attempt++) {
        try {
          await octokit.repos.createDispatchEvent({
            owner,
            repo,
            event_type: event.eventType,
            client_payload: event.clientPayload,
          });
          return;
        } catch (error) {
          const status = statusOf(error);
          const refused = refusal(status, options.repository);
          if (refused) {
            options.onAlert?.({ kind: refused.kind, message: refused.message, status: status ?? 0 });
            throw new MeshError(refused.message, refused.code, { cause: error, details: { status } });
          }
          const transient = status === undefined || status === 429 || status >= 500;
          if (!transient || attempt >= maxAttempts) {
            throw new MeshError(
              `GitHub repository_dispatch to ${options.repository} failed after ${attempt} attempt(s): ${(error as Error).message}`,
              transient ? 'unavailable' : 'internal',
              { cause: error, details: { status, attempts: attempt } },
            );
          }
          await sleep(retryDelayMs(attempt, undefined, backoff));
        }
      }
    },
  };
}

function refusal(status: number | undefined, repository: string) {
  if (status === 401) {
    return {
      kind: 'github-unauthorized' as const,
      code: 'unauthenticated' as const,
      message: `GitHub rejected the token (401) for ${repository}: it is missing, wrong or expired; set a new GITHUB_TOKEN`,
    };
  }
  if (status === 403) {
    return {
      kind: 'github-forbidden' as const,
      code: 'permission_denied' as const,
      message: `GitHub refused the dispatch (403) on ${repository}: the token needs Contents write access to it`,
    };
  }
  if (status === 404) {
    return {
      kind: 'github-not-found' as const,
      code: 'not_found' as const,
      message: `GitHub found no repository ${repository} for this token (404): check the name and the token's repository access`,
    };
  }
  return undefined;
}

function checkLimits(event: RepositoryDispatch): void {
  const { eventTypeChars, clientPayloadKeys } = REPOSITORY_DISPATCH_LIMITS;
  if (event.eventType.length === 0 || event.eventType.length > eventTypeChars) {
    throw new MeshError(
      `event_type must have 1 to ${eventTypeChars} characters, not ${event.eventType.length}`,
      'invalid_argument',
      { details: { field: 'eventType' } },
    );
  }
  const keys = Object.keys(event.clientPayload).length;
  if (keys > clientPayloadKeys) {
    throw new MeshError(
      `client_payload may have at most ${clientPayloadKeys} top-level keys, not ${keys}`,
      'invalid_argument',
      { details: { field: 'clientPayload' } },
    );
  }
}
