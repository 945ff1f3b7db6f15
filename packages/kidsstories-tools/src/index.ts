// Public API of @kidsstories/kidsstories-tools. Adding a line here is an API decision.
// The three servers' tool sets over one provider bundle.
export { createToolSets } from './tools/create-tool-sets.js';
export type { ToolSets } from './tools/create-tool-sets.js';
export type { ServerName } from './tools/server-name.js';
// Text tools (generate_story, refine_readability, embed_content), created with injected providers.
export { createTextTools } from './tools/text/create-text-tools.js';
export { createGenerateStoryTool } from './tools/text/generate-story.js';
export type { GenerateStoryInput, GenerateStoryOutput } from './tools/text/generate-story.js';
export { createRefineReadabilityTool } from './tools/text/refine-readability.js';
export type { RefineReadabilityInput, RefineReadabilityOutput } from './tools/text/refine-readability.js';
export { createEmbedContentTool } from './tools/text/embed-content.js';
export type { EmbedContentInput, EmbedContentOutput } from './tools/text/embed-content.js';
export { DEFAULT_TEXT_PRICES, resolveTextToolsOptions } from './tools/text/text-tool-support.js';
export type {
  ResolvedTextToolsOptions,
  TextProviders,
  TextToolsOptions,
} from './tools/text/text-tool-support.js';
// Provider interfaces (implemented by the offline and cloud families).
export type {
  CharacterLook,
  EmbeddingProvider,
  ImageProvider,
  KidsStoriesProviders,
  ProviderCallOptions,
  ProviderUsage,
  RefineProvider,
  SafetyCheckOptions,
  SafetyProvider,
  SafetyVerdict,
  SpeechProvider,
  StoryProvider,
  VideoProvider,
} from './providers/provider-types.js';
// Generation parameters: the 102-parameter table, its schema and defaults.
export {
  defaultParameters,
  generationParametersInputSchema,
  generationParametersSchema,
  PARAMETER_NAMES,
  PARAMETER_TABLE,
  resolveParameters,
} from './parameters/generation-parameters.js';
export type {
  GenerationParameters,
  GenerationParametersInput,
  ParameterName,
} from './parameters/generation-parameters.js';
export { PARAMETER_CATEGORIES } from './parameters/parameter-spec.js';
export type { ParameterCategory, ParameterSpec } from './parameters/parameter-spec.js';
export { renderParametersDoc } from './parameters/parameters-doc.js';
// Story format.
export {
  AGE_BANDS,
  DEFAULT_READING_LEVEL,
  READING_LEVELS,
  readingLevelOfGrade,
  targetGradeOf,
} from './story/age-band.js';
export type { AgeBand, ReadingLevel } from './story/age-band.js';
export {
  parseStory,
  storyCharacterSchema,
  storyJsonSchema,
  storyPageSchema,
  storySchema,
} from './story/story-schema.js';
export type { Story, StoryCharacter, StoryExpectations, StoryPage } from './story/story-schema.js';
export { storyContentHash, storySafetyTexts, storyText } from './story/story-text.js';
export { buildStoryPrompt } from './story/story-prompt.js';
export { createSeededRandom, deriveSeed } from './random/seeded-random.js';
export type { SeededRandom } from './random/seeded-random.js';
// Readability.
export {
  fleschKincaidGrade,
  readabilityOf,
  splitSentences,
  syllablesOf,
  wordsOf,
} from './text/readability.js';
export type { ReadabilityStats } from './text/readability.js';
export { refineTextToGrade } from './text/refine-text.js';
export type { RefineTextOptions, RefineTextResult } from './text/refine-text.js';
// Child safety.
export { evaluateSafetyRules, SAFETY_RULES } from './safety/safety-rules.js';
export type { SafetyRule } from './safety/safety-rules.js';
export { assertTextSafe, checkStorySafety } from './safety/safety-gate.js';
export type { SafetyGateOptions } from './safety/safety-gate.js';
// Variation engine.
export { createStoryHistory } from './variation/story-history.js';
export type {
  FindSimilarOptions,
  SimilarStory,
  StoryHistory,
  StoryHistoryEntry,
  StoryHistoryOptions,
} from './variation/story-history.js';
export { angularSimilarity, cosineSimilarity } from './variation/cosine-similarity.js';
// Offline text providers.
export {
  createOfflineStoryProvider,
  generateTemplateStory,
  OFFLINE_STORY_MODEL,
} from './providers/offline/story-generator.js';
export type { OfflineStoryProviderOptions } from './providers/offline/story-generator.js';
export { createOfflineRefineProvider, OFFLINE_REFINE_MODEL } from './providers/offline/refine-provider.js';
export {
  createOfflineEmbeddingProvider,
  featureHashEmbedding,
  OFFLINE_EMBEDDING_MODEL,
} from './providers/offline/embedding-provider.js';
export type { OfflineEmbeddingOptions } from './providers/offline/embedding-provider.js';
export { createOfflineSafetyProvider } from './providers/offline/safety-provider.js';
// Providers: choosing offline or cloud, provider error mapping, cloud providers (Azure OpenAI / OpenAI, Phi-4, Runware).
export {
  combineSafetyProviders,
  createProviders,
  parseProviderSelection,
  PROVIDER_KINDS,
} from './providers/create-providers.js';
export type {
  ProviderFamily,
  ProviderKind,
  ProviderSelection,
  ProvidersOptions,
} from './providers/create-providers.js';
export type { BackupDeploymentOptions } from './providers/backup-deployment.js';
export { DEFAULT_BACKUP_DEPLOYMENT, withBackupDeployment } from './providers/backup-deployment.js';
export { meshErrorFromProvider, retryAfterMsOf } from './providers/provider-errors.js';
export type { ProviderErrorOptions, ProviderHttpFailure } from './providers/provider-errors.js';
export { createCloudProviders } from './providers/cloud/create-cloud-providers.js';
export type { CloudProviders, CloudProvidersOptions } from './providers/cloud/create-cloud-providers.js';
export { DEFAULT_CLOUD_SETTINGS, resolveCloudSettings } from './providers/cloud/cloud-settings.js';
export type {
  ChatEndpoint,
  CloudEnvironment,
  CloudSettings,
  ModelDeployment,
  OpenAIConnection,
  RunwareSettings,
} from './providers/cloud/cloud-settings.js';
export { createOpenAIClient } from './providers/cloud/openai-client.js';
export type { FetchFunction, OpenAIClientOptions } from './providers/cloud/openai-client.js';
export {
  createOpenAIStoryProvider,
  DEFAULT_STORY_SYSTEM_PROMPT,
} from './providers/cloud/openai-story-provider.js';
export type { OpenAIStoryProviderOptions } from './providers/cloud/openai-story-provider.js';
export { createChatRefineProvider } from './providers/cloud/chat-refine-provider.js';
export type { ChatRefineProviderOptions } from './providers/cloud/chat-refine-provider.js';
export { createOpenAIEmbeddingProvider } from './providers/cloud/openai-embedding-provider.js';
export type { OpenAIEmbeddingProviderOptions } from './providers/cloud/openai-embedding-provider.js';
export { createOpenAIModerationProvider } from './providers/cloud/openai-moderation-provider.js';
export type { OpenAIModerationProviderOptions } from './providers/cloud/openai-moderation-provider.js';
export { buildImagePrompt, createOpenAIImageProvider } from './providers/cloud/openai-image-provider.js';
export type { OpenAIImageProviderOptions } from './providers/cloud/openai-image-provider.js';
export {
  createOpenAISpeechProvider,
  OPENAI_VOICES,
  openAIVoiceOf,
} from './providers/cloud/openai-speech-provider.js';
export type { OpenAISpeechProviderOptions } from './providers/cloud/openai-speech-provider.js';
export { createRunwareClient } from './providers/cloud/runware-client.js';
export type {
  RunwareClient,
  RunwareClientOptions,
  RunwareResult,
  RunwareTask,
  RunwareVideo,
  RunwareVideoRequest,
} from './providers/cloud/runware-client.js';
export { createRunwareVideoProvider } from './providers/cloud/runware-video-provider.js';
export type { RunwareVideoProviderOptions } from './providers/cloud/runware-video-provider.js';
// Media and video: character guide, offline image/speech/video providers, video model catalogue and selection, tools.
export { createMediaTools } from './tools/media/create-media-tools.js';
export type { MediaToolsOptions } from './tools/media/media-tools-context.js';
export { createVideoTools } from './tools/video/create-video-tools.js';
export { DEFAULT_VIDEO_TOOLS } from './tools/video/video-tools-options.js';
export type { VideoToolsOptions } from './tools/video/video-tools-options.js';
export {
  buildCharacterGuide,
  CHARACTER_GUIDE_TTL_MS,
  characterGuideKey,
  characterGuidePrompt,
  characterGuideSchema,
  characterLooks,
  loadCharacterGuide,
  saveCharacterGuide,
} from './media/character-guide.js';
export type {
  BuildCharacterGuideOptions,
  CharacterGuide,
  CharacterGuideEntry,
  SaveCharacterGuideOptions,
  StoryCharacters,
} from './media/character-guide.js';
export { describeArtifact, embeddedResource, bytesOfResource, MEDIA_KINDS } from './media/media-artifact.js';
export type { MediaArtifact, MediaKind } from './media/media-artifact.js';
export { MEDIA_EVENTS_TOPIC } from './media/media-events.js';
export type { MediaCompleteEvent } from './media/media-events.js';
export { chargeProviderCall, MEDIA_PRICE_TABLE } from './providers/provider-charge.js';
export { KIDSSTORIES_PRICE_TABLE } from './providers/kidsstories-price-table.js';
export type { ChargeOptions, Charged } from './providers/provider-charge.js';
export { createOfflineImageProvider, OFFLINE_IMAGE_MODEL } from './providers/offline/image-provider.js';
export { OFFLINE_ILLUSTRATION_LICENSE } from './providers/offline/image-sprites.js';
export type { OfflineImageProviderOptions } from './providers/offline/image-provider.js';
export {
  createOfflineSpeechProvider,
  FLITE_VOICE_MAP,
  fliteVoiceOf,
  OFFLINE_SPEECH_MODEL,
} from './providers/offline/speech-provider.js';
export type { FliteVoice, OfflineSpeechProviderOptions } from './providers/offline/speech-provider.js';
export {
  createOfflineVideoProvider,
  DEFAULT_OFFLINE_VIDEO,
  OFFLINE_VIDEO_MODEL,
} from './providers/offline/video-provider.js';
export type { OfflineRenderPlan, OfflineVideoProviderOptions } from './providers/offline/video-provider.js';
export { characterEntranceOf, planCharacterPaths } from './providers/offline/video-characters.js';
export type {
  CharacterEntrance,
  CharacterPathOptions,
  MotionEasing,
  SpriteBox,
} from './providers/offline/video-characters.js';
export { readSceneRecipe, SCENE_RECIPE_KEY, withoutSceneRecipe } from './providers/offline/scene-recipe.js';
export { CAMERA_MOTIONS, cameraMotionOf, planCameraPath } from './providers/offline/video-motion.js';
export type { CameraMotion, CameraPathOptions } from './providers/offline/video-motion.js';
export {
  billedDurationSec,
  cataloguePriceTable,
  DEFAULT_VIDEO_MODELS,
  QUALITY_TIERS,
  validateCatalogue,
} from './video/model-catalogue.js';
export type { QualityTier, VideoModel } from './video/model-catalogue.js';
export { createVideoModelSelector } from './video/model-selector.js';
export type {
  BudgetView,
  VideoModelSelection,
  VideoModelSelector,
  VideoModelSelectorOptions,
  VideoRequirement,
} from './video/model-selector.js';
