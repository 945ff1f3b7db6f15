import { AzureOpenAI, OpenAI } from 'openai';
import type { ChatEndpoint, OpenAIConnection } from './cloud-settings.js';

/** A `fetch` implementation, injectable for tests and proxies. */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Options for {@link createOpenAIClient} and {@link createChatEndpointClient}. */
export interface OpenAIClientOptions {
  /** Per-request timeout in milliseconds. Default 120 000. */
  timeoutMs?: number;
  /** `fetch` used for every request. Default: the global `fetch`. */
  fetch?: FetchFunction;
}

/**
 * Creates an `openai` v6 client for a connection: `AzureOpenAI` (deployment taken from each request's `model`,
 * so one client serves every deployment; `api-version` on every call; `api-key` header or an Entra ID bearer
 * token) or plain `OpenAI`.
 *
 * Retries are off (`maxRetries: 0`): the mesh's peer policies retry retry-safe failures, and retrying here too
 * would multiply attempts and hide 429s from the tier policy. Settings are passed explicitly so that
 * `OPENAI_BASE_URL` and friends in the environment cannot silently redirect a configured client.
 *
 * @example
 * ```ts
 * const client = createOpenAIClient({ kind: 'azure', endpoint, apiVersion: '2024-10-21', apiKey });
 * ```
 */
export function createOpenAIClient(connection: OpenAIConnection, options: OpenAIClientOptions = {}): OpenAI {
  const common = {
    maxRetries: 0,
    timeout: options.timeoutMs ?? 120_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  if (connection.kind === 'openai') {
    return new OpenAI({
      ...common,
      apiKey: connection.apiKey,
      baseURL: connection.baseURL,
      organization: null,
      project: null,
    });
  }
  // `baseURL` (not `endpoint`) so OPENAI_BASE_URL from the environment is never consulted; `apiKey: null` when a
  // token provider is used, so AZURE_OPENAI_API_KEY from the environment cannot make the two conflict.
  const baseURL = `${connection.endpoint.replace(/\/+$/, '')}/openai`;
  const credentials = connection.azureADTokenProvider
    ? { azureADTokenProvider: connection.azureADTokenProvider, apiKey: null as unknown as undefined }
    : { apiKey: connection.apiKey };
  return new AzureOpenAI({
    ...common,
    ...credentials,
    baseURL,
    apiVersion: connection.apiVersion,
    organization: null,
    project: null,
  });
}

/**
 * Creates an `openai` client for an OpenAI-compatible chat endpoint such as Phi-4 on Azure AI
 * (`https://<resource>.services.ai.azure.com/models`): the key goes both as `Authorization: Bearer` and as
 * `api-key`, since Azure AI endpoints accept either depending on how they were deployed.
 */
export function createChatEndpointClient(endpoint: ChatEndpoint, options: OpenAIClientOptions = {}): OpenAI {
  return new OpenAI({
    apiKey: endpoint.apiKey,
    baseURL: endpoint.baseURL,
    organization: null,
    project: null,
    maxRetries: 0,
    timeout: options.timeoutMs ?? 120_000,
    defaultHeaders: { 'api-key': endpoint.apiKey },
    ...(endpoint.apiVersion ? { defaultQuery: { 'api-version': endpoint.apiVersion } } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
