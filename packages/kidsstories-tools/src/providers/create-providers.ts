import { MeshError } from '@kidsstories/mesh-core';
import { type CloudProvidersOptions, createCloudProviders } from './cloud/create-cloud-providers.js';
import { createOfflineEmbeddingProvider } from './offline/embedding-provider.js';
import { createOfflineImageProvider } from './offline/image-provider.js';
import { createOfflineRefineProvider } from './offline/refine-provider.js';
import { createOfflineSafetyProvider } from './offline/safety-provider.js';
import { createOfflineSpeechProvider } from './offline/speech-provider.js';
import { createOfflineStoryProvider } from './offline/story-generator.js';
import { createOfflineVideoProvider } from './offline/video-provider.js';
import type { KidsStoriesProviders, SafetyCheckOptions, SafetyProvider } from './provider-types.js';

/** The kinds of provider in a {@link KidsStoriesProviders} bundle. */
export const PROVIDER_KINDS = ['story', 'refine', 'embedding', 'safety', 'image', 'speech', 'video'] as const;
/** One of {@link PROVIDER_KINDS}. */
export type ProviderKind = (typeof PROVIDER_KINDS)[number];
/** Where a provider runs: embedded and deterministic (`offline`) or on Azure OpenAI / OpenAI / Runware (`cloud`). */
export type ProviderFamily = 'offline' | 'cloud';
/** The family chosen for every kind. */
export type ProviderSelection = Record<ProviderKind, ProviderFamily>;

/** Options for {@link createProviders}. */
export interface ProvidersOptions {
  /**
   * Family per kind. Default: parsed from `KIDSSTORIES_PROVIDERS` in `env` by {@link parseProviderSelection}
   * (`offline` for every kind when unset).
   */
  selection?: Partial<ProviderSelection>;
  /** Environment read for the selection and the cloud settings. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Options of the cloud providers (`fetch`, an Entra ID token provider, pre-resolved settings). */
  cloud?: Omit<CloudProvidersOptions, 'env'>;
  /** Providers used instead of the built-in ones, whatever the selection (tests, custom models). */
  overrides?: Partial<KidsStoriesProviders>;
}

/**
 * Parses `KIDSSTORIES_PROVIDERS`: a comma-separated list whose plain entry (`offline` or `cloud`) sets every kind
 * and whose `kind=family` entries override one kind, in order. Examples: `cloud`, `offline,video=cloud`,
 * `cloud,video=offline,speech=offline`. Empty or unset means `offline` everywhere.
 *
 * @throws MeshError `invalid_argument` (field `KIDSSTORIES_PROVIDERS`) naming an unknown kind or family.
 */
export function parseProviderSelection(value: string | undefined): ProviderSelection {
  const selection = Object.fromEntries(PROVIDER_KINDS.map((kind) => [kind, 'offline'])) as ProviderSelection;
  const fail = (message: string): never => {
    throw new MeshError(`KIDSSTORIES_PROVIDERS: ${message}`, 'invalid_argument', {
      details: { field: 'KIDSSTORIES_PROVIDERS' },
    });
  };
  for (const raw of (value ?? '').split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    const [left, right, extra] = entry.split('=').map((part) => part.trim());
    if (extra !== undefined) fail(`"${raw.trim()}" is not kind=family`);
    const family = right ?? left;
    if (family !== 'offline' && family !== 'cloud') fail(`family must be offline or cloud, got "${family}"`);
    if (right === undefined) {
      for (const kind of PROVIDER_KINDS) selection[kind] = family as ProviderFamily;
    } else if ((PROVIDER_KINDS as readonly string[]).includes(left ?? '')) {
      selection[left as ProviderKind] = family as ProviderFamily;
    } else {
      fail(`unknown provider kind "${left}"; kinds are ${PROVIDER_KINDS.join(', ')}`);
    }
  }
  return selection;
}

/** Environment variables a cloud provider of each kind needs, for error messages. */
const CLOUD_REQUIREMENTS: Record<ProviderKind, string> = {
  story: 'AZURE_OPENAI_ENDPOINT with AZURE_OPENAI_API_KEY, or OPENAI_API_KEY',
  refine: 'AZURE_AI_PHI4_ENDPOINT with AZURE_AI_PHI4_KEY, or an Azure OpenAI / OpenAI configuration',
  embedding: 'AZURE_OPENAI_ENDPOINT with AZURE_OPENAI_API_KEY, or OPENAI_API_KEY',
  safety: 'OPENAI_API_KEY (moderation)',
  image: 'AZURE_OPENAI_ENDPOINT with AZURE_OPENAI_API_KEY, or OPENAI_API_KEY',
  speech: 'AZURE_OPENAI_ENDPOINT with AZURE_OPENAI_API_KEY, or OPENAI_API_KEY',
  video: 'RUNWARE_API_KEY',
};

/**
 * Creates the provider bundle the tools run with, choosing offline or cloud per kind. Offline is the default:
 * no keys, no network, deterministic for a seed. Cloud providers come from the environment (see the README).
 *
 * Safety in the cloud family always keeps the offline word-list rules (they also catch personal data that
 * moderation models let through) and adds OpenAI moderation when `OPENAI_API_KEY` is set; both must pass.
 * With Azure OpenAI alone there is no moderation endpoint, and Azure's content filters on every call are the
 * second gate.
 *
 * @throws MeshError `failed_precondition` naming the missing variables when a kind is set to `cloud` but not
 *   configured; `invalid_argument` for a malformed `KIDSSTORIES_PROVIDERS` or cloud variable.
 * @example
 * ```ts
 * const providers = createProviders(); // offline unless KIDSSTORIES_PROVIDERS says otherwise
 * const tools = [...createTextTools({ providers }), ...createMediaTools({ providers })];
 * ```
 */
export function createProviders(options: ProvidersOptions = {}): KidsStoriesProviders {
  const env = options.env ?? process.env;
  const selection = { ...parseProviderSelection(env.KIDSSTORIES_PROVIDERS), ...options.selection };
  const wantsCloud = PROVIDER_KINDS.some((kind) => selection[kind] === 'cloud' && !options.overrides?.[kind]);
  const cloud = wantsCloud ? createCloudProviders({ ...options.cloud, env }) : {};
  const pick = <K extends ProviderKind>(
    kind: K,
    offline: () => KidsStoriesProviders[K],
  ): KidsStoriesProviders[K] => {
    const override = options.overrides?.[kind];
    if (override) return override as KidsStoriesProviders[K];
    if (selection[kind] === 'offline') return offline();
    const provider = cloud[kind];
    if (!provider) {
      throw new MeshError(
        `the ${kind} provider is set to cloud but is not configured: set ${CLOUD_REQUIREMENTS[kind]}`,
        'failed_precondition',
        { details: { field: 'KIDSSTORIES_PROVIDERS', kind } },
      );
    }
    return provider as KidsStoriesProviders[K];
  };
  const safety = (): SafetyProvider => {
    const override = options.overrides?.safety;
    if (override) return override;
    const rules = createOfflineSafetyProvider();
    if (selection.safety === 'offline') return rules;
    return cloud.safety ? combineSafetyProviders([rules, cloud.safety]) : rules;
  };
  return {
    story: pick('story', () => createOfflineStoryProvider()),
    refine: pick('refine', () => createOfflineRefineProvider()),
    embedding: pick('embedding', () => createOfflineEmbeddingProvider()),
    safety: safety(),
    image: pick('image', () => createOfflineImageProvider()),
    speech: pick('speech', () => createOfflineSpeechProvider()),
    video: pick('video', () => createOfflineVideoProvider()),
  };
}

/**
 * A safety provider that runs several in order and is safe only when all are; the first unsafe verdict is
 * returned with every reason found so far, and later (paid) checks are skipped. Usage of the last provider that
 * reported one is kept.
 */
export function combineSafetyProviders(providers: readonly SafetyProvider[]): SafetyProvider {
  return {
    name: providers.map((provider) => provider.name).join('+'),
    async check(text, options?: SafetyCheckOptions) {
      let usage: Awaited<ReturnType<SafetyProvider['check']>>['usage'];
      for (const provider of providers) {
        const verdict = await provider.check(text, options);
        if (verdict.usage) usage = verdict.usage;
        if (!verdict.safe) {
          return { safe: false, reasons: verdict.reasons, ...(usage ? { usage } : {}) };
        }
      }
      return { safe: true, reasons: [], ...(usage ? { usage } : {}) };
    },
  };
}
