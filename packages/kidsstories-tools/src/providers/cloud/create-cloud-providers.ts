import { registerSecretValues, secretValuesFromEnv } from '@kidsstories/mesh-core/observability';
import { withBackupDeployment } from '../backup-deployment.js';
import type { KidsStoriesProviders } from '../provider-types.js';
import { createChatRefineProvider } from './chat-refine-provider.js';
import { type CloudSettings, resolveCloudSettings } from './cloud-settings.js';
import { createChatEndpointClient, createOpenAIClient, type FetchFunction } from './openai-client.js';
import { createOpenAIEmbeddingProvider } from './openai-embedding-provider.js';
import { createOpenAIImageProvider } from './openai-image-provider.js';
import { createOpenAIModerationProvider } from './openai-moderation-provider.js';
import { createOpenAISpeechProvider } from './openai-speech-provider.js';
import { createOpenAIStoryProvider } from './openai-story-provider.js';
import { createRunwareClient } from './runware-client.js';
import { createRunwareVideoProvider } from './runware-video-provider.js';

/** Options for {@link createCloudProviders}. */
export interface CloudProvidersOptions {
  /** Resolved settings. Default: `resolveCloudSettings(env)`. */
  settings?: CloudSettings;
  /** Environment read when `settings` is not given. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Microsoft Entra ID token source for Azure OpenAI (for example `getBearerTokenProvider` from
   * `@azure/identity`); replaces the API key. Default: the key or `AZURE_OPENAI_AD_TOKEN` from the settings.
   */
  azureADTokenProvider?: () => Promise<string>;
  /** `fetch` for every cloud call (tests, proxies). Default: the global `fetch`. */
  fetch?: FetchFunction;
}

/** The cloud providers that could be configured; a kind is absent when its settings are missing. */
export type CloudProviders = Partial<KidsStoriesProviders>;

/**
 * Creates the cloud providers the settings allow: story, embedding, image and speech on Azure OpenAI or OpenAI;
 * refinement on Phi-4 (Azure AI) or else the story model; safety on OpenAI moderation; video on Runware.
 * Every client has retries off (the mesh retries) and reports usage for the cost ledger. Every configured key
 * (and every secret-looking variable of `env`) is registered with `registerSecretValues`, so no provider error
 * that echoes one carries it into an error, a log line or a span.
 *
 * @throws MeshError `invalid_argument` naming an environment variable when the settings are malformed.
 * @example
 * ```ts
 * const cloud = createCloudProviders({ env: process.env });
 * if (cloud.story) await cloud.story.generateStory({ prompt, jsonSchema, parameters });
 * ```
 */
export function createCloudProviders(options: CloudProvidersOptions = {}): CloudProviders {
  const env = options.env ?? process.env;
  const settings = options.settings ?? resolveCloudSettings(env);
  // Providers (and OpenAI-compatible proxies) may echo a key in their error text: register every configured
  // secret so the mesh takes it out of errors, log lines and spans (see docs/guides/operations.md "Redaction").
  registerSecretValues([
    ...configuredSecrets(settings),
    ...(options.settings ? [] : secretValuesFromEnv(env)),
  ]);
  const clientOptions = {
    timeoutMs: settings.requestTimeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const providers: CloudProviders = {};
  let connection = settings.openai;
  if (connection?.kind === 'azure' && options.azureADTokenProvider) {
    const { apiKey: _apiKey, ...rest } = connection;
    connection = { ...rest, azureADTokenProvider: options.azureADTokenProvider };
  }
  if (connection) {
    const client = createOpenAIClient(connection, clientOptions);
    providers.story = createOpenAIStoryProvider({ client, ...settings.story });
    if (settings.storyBackup) {
      // Quota exceeded on the primary deployment: wait as its Retry-After says, then the backup deployment.
      providers.story = withBackupDeployment(
        providers.story,
        createOpenAIStoryProvider({ client, ...settings.storyBackup }),
      );
    }
    providers.image = createOpenAIImageProvider({ client, ...settings.image });
    providers.speech = createOpenAISpeechProvider({ client, ...settings.speech });
    providers.embedding = createOpenAIEmbeddingProvider({ client, ...settings.embedding });
    providers.refine = createChatRefineProvider({
      client,
      ...settings.story,
      name: connection.kind === 'azure' ? 'azure-openai' : 'openai',
    });
  }
  if (settings.phi4) {
    const client = createChatEndpointClient(settings.phi4, clientOptions);
    // Price tables key models in lower case (`phi-4`); the endpoint gets the name as configured (`Phi-4`).
    providers.refine = createChatRefineProvider({
      client,
      model: settings.phi4.model.toLowerCase(),
      deployment: settings.phi4.model,
    });
  }
  if (settings.moderation) {
    const client = createOpenAIClient(settings.moderation.connection, clientOptions);
    providers.safety = createOpenAIModerationProvider({ client, model: settings.moderation.model });
  }
  if (settings.runware) {
    const client = createRunwareClient({
      ...settings.runware,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    providers.video = createRunwareVideoProvider({ client });
  }
  return providers;
}

/** The keys in `settings`. */
function configuredSecrets(settings: CloudSettings): Array<string | undefined> {
  const openai = settings.openai;
  return [
    openai && 'apiKey' in openai ? openai.apiKey : undefined,
    settings.moderation?.connection.apiKey,
    settings.phi4?.apiKey,
    settings.runware?.apiKey,
  ];
}
