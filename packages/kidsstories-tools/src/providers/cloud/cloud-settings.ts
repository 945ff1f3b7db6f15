import { MeshError } from '@kidsstories/mesh-core';

/** How the OpenAI-family models are reached: an Azure OpenAI resource, or OpenAI's own API. */
export type OpenAIConnection =
  | {
      kind: 'azure';
      /** Resource endpoint, `https://<resource>.openai.azure.com`. */
      endpoint: string;
      /** `api-version` query sent on every call. */
      apiVersion: string;
      /** API key sent as the `api-key` header. Exclusive with `azureADTokenProvider`. */
      apiKey?: string;
      /** Returns a Microsoft Entra ID access token, sent as `Authorization: Bearer`. Called on every request. */
      azureADTokenProvider?: () => Promise<string>;
    }
  | {
      kind: 'openai';
      /** API key sent as `Authorization: Bearer`. */
      apiKey: string;
      /** Base URL of the API. Default `https://api.openai.com/v1`. */
      baseURL: string;
    };

/** A model and, on Azure, the deployment that serves it. */
export interface ModelDeployment {
  /** Model name used for pricing and on OpenAI's API (`gpt-4o`, `dall-e-3`…). */
  model: string;
  /** Azure deployment name (the path segment `/openai/deployments/{deployment}`). Default: the model name. */
  deployment: string;
}

/** Connection to Phi-4 (or another chat model) on an OpenAI-compatible Azure AI endpoint. */
export interface ChatEndpoint {
  /** Base URL; the client appends `/chat/completions`. */
  baseURL: string;
  /** Key sent as `Authorization: Bearer` and `api-key` (Azure AI accepts either). */
  apiKey: string;
  /** Model name sent in the body and used for pricing. Default `Phi-4`. */
  model: string;
  /** `api-version` query, when the endpoint needs one (Azure AI model inference: `2024-05-01-preview`). */
  apiVersion?: string;
}

/** Runware task API settings. */
export interface RunwareSettings {
  /** API key sent as `Authorization: Bearer`, only to {@link RunwareSettings.baseURL}. */
  apiKey: string;
  /** Task endpoint. Default `https://api.runware.ai/v1`. */
  baseURL: string;
  /** Delay between `getResponse` polls, in milliseconds. Default 2000. */
  pollIntervalMs: number;
  /** Longest wait for one video, in milliseconds, before `deadline_exceeded`. Default 600 000. */
  maxWaitMs: number;
}

/** Everything the cloud providers need, resolved from the environment by {@link resolveCloudSettings}. */
export interface CloudSettings {
  /** Azure OpenAI or OpenAI, for stories, images, speech and embeddings; undefined when neither is configured. */
  openai?: OpenAIConnection;
  /** OpenAI's own API for moderation (Azure OpenAI has no moderation endpoint); undefined without `OPENAI_API_KEY`. */
  moderation?: { connection: Extract<OpenAIConnection, { kind: 'openai' }>; model: string };
  story: ModelDeployment;
  /**
   * A second story deployment used after the first answers 429 (quota exceeded), from
   * `AZURE_OPENAI_STORY_BACKUP_DEPLOYMENT`; undefined when not set.
   */
  storyBackup?: ModelDeployment;
  image: ModelDeployment;
  speech: ModelDeployment;
  /** `dimensions` is sent to the API only when set (`KIDSSTORIES_EMBEDDING_DIMENSIONS`). */
  embedding: ModelDeployment & { dimensions?: number };
  /** Phi-4 for readability refinement; when absent, refinement uses the story model. */
  phi4?: ChatEndpoint;
  runware?: RunwareSettings;
  /** Per-request timeout of the `openai` client, in milliseconds. Default 120 000. */
  requestTimeoutMs: number;
}

/** Defaults applied by {@link resolveCloudSettings}. */
export const DEFAULT_CLOUD_SETTINGS = {
  azureApiVersion: '2024-10-21',
  openaiBaseURL: 'https://api.openai.com/v1',
  storyModel: 'gpt-4o',
  imageModel: 'dall-e-3',
  speechModel: 'gpt-4o-mini-tts',
  embeddingModel: 'text-embedding-3-large',
  moderationModel: 'omni-moderation-latest',
  phi4Model: 'Phi-4',
  runwareBaseURL: 'https://api.runware.ai/v1',
  runwarePollIntervalMs: 2000,
  runwareMaxWaitMs: 600_000,
  requestTimeoutMs: 120_000,
} as const;

/** Environment variables read by {@link resolveCloudSettings}, as documented in the package README. */
export type CloudEnvironment = Readonly<Record<string, string | undefined>>;

/**
 * Reads the cloud settings from environment variables (see the package README for the full list):
 * `AZURE_OPENAI_ENDPOINT` + `AZURE_OPENAI_API_KEY` (or `AZURE_OPENAI_AD_TOKEN`) select Azure OpenAI, otherwise
 * `OPENAI_API_KEY` selects OpenAI; `AZURE_AI_PHI4_ENDPOINT`/`AZURE_AI_PHI4_KEY` add Phi-4; `RUNWARE_API_KEY`
 * adds Runware. Values are trimmed; empty values count as unset. Keys are never logged.
 *
 * @throws MeshError `invalid_argument` naming the variable when a value is malformed (a non-URL endpoint, a
 *   non-numeric interval) or when an endpoint is set without its key.
 * @example
 * ```ts
 * const settings = resolveCloudSettings(process.env);
 * ```
 */
export function resolveCloudSettings(env: CloudEnvironment = process.env): CloudSettings {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const d = DEFAULT_CLOUD_SETTINGS;
  const model = (kind: string, fallback: string): ModelDeployment => {
    const name = read(`KIDSSTORIES_${kind}_MODEL`) ?? fallback;
    return { model: name, deployment: read(`AZURE_OPENAI_${kind}_DEPLOYMENT`) ?? name };
  };

  const settings: CloudSettings = {
    story: model('STORY', d.storyModel),
    image: model('IMAGE', d.imageModel),
    speech: model('SPEECH', d.speechModel),
    embedding: model('EMBEDDING', d.embeddingModel),
    requestTimeoutMs: readInteger(read, 'KIDSSTORIES_CLOUD_TIMEOUT_MS', d.requestTimeoutMs),
  };

  const storyBackup = read('AZURE_OPENAI_STORY_BACKUP_DEPLOYMENT');
  if (storyBackup !== undefined)
    settings.storyBackup = { model: settings.story.model, deployment: storyBackup };

  const dimensions = read('KIDSSTORIES_EMBEDDING_DIMENSIONS');
  if (dimensions !== undefined) {
    settings.embedding.dimensions = readInteger(read, 'KIDSSTORIES_EMBEDDING_DIMENSIONS', 0);
  }

  const openaiKey = read('OPENAI_API_KEY');
  const openaiBaseURL = readUrl(read, 'OPENAI_BASE_URL') ?? d.openaiBaseURL;
  const azureEndpoint = readUrl(read, 'AZURE_OPENAI_ENDPOINT');
  if (azureEndpoint) {
    const apiKey = read('AZURE_OPENAI_API_KEY');
    const adToken = read('AZURE_OPENAI_AD_TOKEN');
    if (!apiKey && !adToken) {
      throw new MeshError(
        'AZURE_OPENAI_ENDPOINT is set but neither AZURE_OPENAI_API_KEY nor AZURE_OPENAI_AD_TOKEN is',
        'invalid_argument',
        { details: { field: 'AZURE_OPENAI_API_KEY' } },
      );
    }
    settings.openai = {
      kind: 'azure',
      endpoint: azureEndpoint,
      apiVersion: read('AZURE_OPENAI_API_VERSION') ?? d.azureApiVersion,
      ...(apiKey ? { apiKey } : { azureADTokenProvider: async () => adToken as string }),
    };
  } else if (openaiKey) {
    settings.openai = { kind: 'openai', apiKey: openaiKey, baseURL: openaiBaseURL };
  }
  if (openaiKey) {
    settings.moderation = {
      connection: { kind: 'openai', apiKey: openaiKey, baseURL: openaiBaseURL },
      model: read('KIDSSTORIES_MODERATION_MODEL') ?? d.moderationModel,
    };
  }

  const phi4Endpoint = readUrl(read, 'AZURE_AI_PHI4_ENDPOINT');
  if (phi4Endpoint) {
    const apiKey = read('AZURE_AI_PHI4_KEY');
    if (!apiKey) {
      throw new MeshError('AZURE_AI_PHI4_ENDPOINT is set but AZURE_AI_PHI4_KEY is not', 'invalid_argument', {
        details: { field: 'AZURE_AI_PHI4_KEY' },
      });
    }
    const apiVersion = read('AZURE_AI_PHI4_API_VERSION');
    settings.phi4 = {
      baseURL: phi4Endpoint,
      apiKey,
      model: read('AZURE_AI_PHI4_MODEL') ?? d.phi4Model,
      ...(apiVersion ? { apiVersion } : {}),
    };
  }

  const runwareKey = read('RUNWARE_API_KEY');
  if (runwareKey) {
    settings.runware = {
      apiKey: runwareKey,
      baseURL: readUrl(read, 'RUNWARE_BASE_URL') ?? d.runwareBaseURL,
      pollIntervalMs: readInteger(read, 'RUNWARE_POLL_INTERVAL_MS', d.runwarePollIntervalMs),
      maxWaitMs: readInteger(read, 'RUNWARE_MAX_WAIT_MS', d.runwareMaxWaitMs),
    };
  }
  return settings;
}

function readUrl(read: (name: string) => string | undefined, name: string): string | undefined {
  const value = read(name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new MeshError(`${name} must be an absolute http(s) URL`, 'invalid_argument', {
      details: { field: name },
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new MeshError(`${name} must be an absolute http(s) URL`, 'invalid_argument', {
      details: { field: name },
    });
  }
  return value.replace(/\/+$/, '');
}

function readInteger(read: (name: string) => string | undefined, name: string, fallback: number): number {
  const value = read(name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new MeshError(`${name} must be a non-negative integer, got "${value}"`, 'invalid_argument', {
      details: { field: name },
    });
  }
  return parsed;
}
