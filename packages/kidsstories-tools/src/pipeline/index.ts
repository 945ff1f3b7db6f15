// Public API of @kidsstories/kidsstories-tools/pipeline: the daily story pipeline and the gateway tool
// `orchestrate`. Adding a line here is an API decision.

export { generationLockKey } from './generation-lock-key.js';
export type { OrchestrateArgs, OrchestrateInput } from './orchestrate-input.js';
export { orchestrateInputSchema, utcDateOf } from './orchestrate-input.js';
export type { OrchestrateOutput, OrchestrateToolOptions } from './orchestrate-tool.js';
export { createOrchestrateTool, orchestrateOutputSchema } from './orchestrate-tool.js';
export type { PipelineContinuation, PipelineContinuationOptions } from './pipeline-continuation.js';
export { createPipelineContinuation, DEFAULT_PIPELINE_CONTINUATION } from './pipeline-continuation.js';
export type { ImageQualityTier } from './pipeline-failures.js';
export {
  IMAGE_QUALITY_TIERS,
  isProviderOutage,
  isProviderRateLimit,
  PIPELINE_FAILURE_STREAMS,
} from './pipeline-failures.js';
export { clipPages } from './pipeline-run.js';
export type { AssetRecord, RunRecord, StepRecord } from './run-record.js';
export { loadRunRecord, runRecordKey } from './run-record.js';
export type { StoryResourcesOptions } from './story-mcp-features.js';
export { createStoryResources, STORY_RESOURCE_TEMPLATE, storyRequestPrompt } from './story-mcp-features.js';
export type {
  PipelineRunOptions,
  PipelineRunResult,
  StoryPipeline,
} from './story-pipeline.js';
export { createStoryPipeline } from './story-pipeline.js';
export type {
  PipelineQueue,
  ResolvedStoryPipelineOptions,
  StoryPipelineOptions,
} from './story-pipeline-options.js';
export {
  DEFAULT_STORY_PIPELINE,
  resolveStoryPipelineOptions,
} from './story-pipeline-options.js';
export type { ToolJob, ToolJobResult } from './tool-jobs.js';
export { createToolJobHandler } from './tool-jobs.js';
