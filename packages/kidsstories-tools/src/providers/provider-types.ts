import type { ImageFormat } from '../media/image-encoding.js';
import type { AudioParameters, ImageParameters, VideoParameters } from '../media/media-parameters-of.js';

/**
 * Provider interfaces: the seams between KidsStories tools and the models behind them. Two families implement
 * them: offline (deterministic for a seed, no keys, the embedded default) and cloud (Azure OpenAI / OpenAI,
 * Azure AI Phi-4, Runware). Tools receive a {@link KidsStoriesProviders} bundle when they are created.
 * Every provider method takes an AbortSignal and rejects with a `MeshError` (provider failures mapped:
 * 429 -> resource_exhausted with retryAfterMs, 5xx -> unavailable, auth -> unauthenticated, content policy ->
 * failed_precondition).
 */

/** Usage a provider call consumed, recorded on the cost ledger by the tool. */
export interface ProviderUsage {
  model: string;
  inputTokens?: number;
  outputTokens?: number;
  images?: number;
  seconds?: number;
  characters?: number;
  requests?: number;
}

/** Common options of every provider call. */
export interface ProviderCallOptions {
  signal?: AbortSignal;
  /** Seed for deterministic providers (offline); passed to cloud models that accept one. */
  seed?: number;
}

/** Text generation of a story as structured output (the story JSON schema). */
export interface StoryProvider {
  readonly name: string;
  /**
   * True when the same request and seed always give the same story (the offline grammar). `generate_story`
   * then reports a repeat of a stored story instead of drawing a new seed. Default false (language models).
   */
  readonly deterministic?: boolean;
  /** The model usage is reported under, used to price the worst case reserved before a call. Default: `name`. */
  readonly model?: string;
  /**
   * Generates a story for a prompt built from the generation parameters. `jsonSchema` is the story schema used
   * as structured output; `parameters` is the validated parameter object (offline providers read it directly).
   */
  generateStory(
    request: { prompt: string; jsonSchema: Record<string, unknown>; parameters: Record<string, unknown> },
    options?: ProviderCallOptions,
  ): Promise<{ story: unknown; usage: ProviderUsage }>;
}

/** Readability refinement toward a Flesch-Kincaid grade. */
export interface RefineProvider {
  readonly name: string;
  /** The model usage is reported under, used to price the worst case reserved before a call. Default: `name`. */
  readonly model?: string;
  refine(
    request: { text: string; targetGrade: number; ageBand: string },
    options?: ProviderCallOptions,
  ): Promise<{ text: string; usage: ProviderUsage }>;
}

/** Text embeddings. */
export interface EmbeddingProvider {
  readonly name: string;
  /** The model usage is reported under, used to price the worst case reserved before a call. Default: `name`. */
  readonly model?: string;
  /** Vector length. */
  readonly dimensions: number;
  embed(
    texts: readonly string[],
    options?: ProviderCallOptions,
  ): Promise<{ vectors: number[][]; usage: ProviderUsage }>;
}

/** Verdict of the child-safety gate. */
export interface SafetyVerdict {
  safe: boolean;
  /** Why it is unsafe (categories or matched rules); empty when safe. */
  reasons: string[];
}

/** Options of {@link SafetyProvider.check}. */
export interface SafetyCheckOptions extends ProviderCallOptions {
  /** The reader age band (`3-5`, `6-8`, `9-12`); stricter rules (scary content) apply to younger bands. */
  ageBand?: string;
}

/** Child-safety moderation of text (story text, image prompts). */
export interface SafetyProvider {
  readonly name: string;
  check(text: string, options?: SafetyCheckOptions): Promise<SafetyVerdict & { usage?: ProviderUsage }>;
}

/** A character's fixed look, from the character guide. */
export interface CharacterLook {
  name: string;
  species?: string;
  physicalFeatures: string[];
  clothing: string[];
  /** Hex colours, most prominent first. */
  colorPalette: string[];
  distinctiveMarks: string[];
}

/** Image synthesis of one page. */
export interface ImageProvider {
  readonly name: string;
  generateImage(
    request: {
      prompt: string;
      sceneDescription: string;
      characters: CharacterLook[];
      /** `1024x1024` and the like. */
      size: string;
      style?: string;
      /** The image parameters (validated, every one present); default all defaults. */
      parameters?: ImageParameters;
      /** Quality tier asked for (DALL-E 3 `quality`); wins over `parameters.image_quality`. */
      quality?: 'standard' | 'hd';
      /** Text to draw under the picture (offline illustrator only); none when absent. */
      caption?: string;
    },
    options?: ProviderCallOptions,
  ): Promise<{
    /** The encoded picture: PNG unless `format` says otherwise. */
    png: Uint8Array;
    /** Format of `png`'s bytes (the `output_format` parameter). Default `png`. */
    format?: ImageFormat;
    width: number;
    height: number;
    revisedPrompt?: string;
    /** Credit the picture's artwork requires (openly licensed sets), for a bundle's manifest. */
    attribution?: string;
    /** Where the page's first named object is, as fractions of the picture (offline illustrator). */
    focus?: { x: number; y: number };
    usage: ProviderUsage;
  }>;
}

/** The narration formats (the `audio_format` parameter). */
export type AudioFormat = 'mp3' | 'wav' | 'opus';

/** Speech synthesis (narration), as MP3 24 kHz mono unless the audio parameters say otherwise. */
export interface SpeechProvider {
  readonly name: string;
  synthesize(
    request: {
      text: string;
      voice: string;
      speed?: number;
      instructions?: string;
      /** The audio parameters (validated, every one present); default all defaults. `voice` and `speed` win. */
      parameters?: AudioParameters;
    },
    options?: ProviderCallOptions,
  ): Promise<{
    /** The encoded narration: MP3 unless `format` says otherwise. */
    mp3: Uint8Array;
    /** Format of `mp3`'s bytes. Default `mp3`. */
    format?: AudioFormat;
    durationSec: number;
    sampleRate: number;
    /** Audio channels of the narration. Default 1. */
    channels?: number;
    usage: ProviderUsage;
  }>;
}

/** Image-to-video animation. */
export interface VideoProvider {
  readonly name: string;
  /**
   * Set by providers that render on this machine (offline): the model every clip reports. The video tools then
   * skip the cloud catalogue: no model selection, no fallback, cost 0.
   */
  readonly localModel?: string;
  animate(
    request: {
      png: Uint8Array;
      motion: string;
      durationSec: number;
      model: string;
      width?: number;
      height?: number;
      /** The page's narration (MP3) to carry as the audio track; the clip then lasts as long as it. */
      audio?: Uint8Array;
      /** Where the camera moves to, as fractions of the picture (0 to 1), such as the page's named object. */
      focus?: { x: number; y: number };
      /**
       * The video parameters (validated, every one present); default all defaults. `motion`, `durationSec`,
       * `width` and `height` win over theirs.
       */
      parameters?: VideoParameters;
    },
    options?: ProviderCallOptions,
  ): Promise<{
    mp4: Uint8Array;
    durationSec: number;
    frameCount: number;
    /** The model that rendered the clip (for a local provider, its `localModel`). */
    model: string;
    /** Length of the muxed narration, in seconds, when `audio` was given. */
    audioDurationSec?: number;
    usage: ProviderUsage;
  }>;
}

/** The bundle of providers a KidsStories tool set is created with. */
export interface KidsStoriesProviders {
  story: StoryProvider;
  refine: RefineProvider;
  embedding: EmbeddingProvider;
  safety: SafetyProvider;
  image: ImageProvider;
  speech: SpeechProvider;
  video: VideoProvider;
}
