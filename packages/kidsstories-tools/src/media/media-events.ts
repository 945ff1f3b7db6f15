import type { ToolContext } from '@kidsstories/mesh-core';

/** The event-bus topic media tools publish on. */
export const MEDIA_EVENTS_TOPIC = 'kidsstories.media';

/** Payload of a `media.complete` event. */
export interface MediaCompleteEvent {
  /** `image`, `audio` or `video`. */
  kind: string;
  /** The tool that made it. */
  tool: string;
  uri: string;
  bytes: number;
  sha256: string;
  storyId?: string;
  page?: number;
  costUsd: number;
}

/**
 * Publishes `media.complete` on {@link MEDIA_EVENTS_TOPIC}. Events are hints (at most once): a failure to publish
 * is logged and never fails the tool, whose result is already made.
 */
export async function publishMediaComplete(
  ctx: ToolContext,
  data: MediaCompleteEvent,
  now: () => number,
): Promise<void> {
  try {
    await ctx.events.publish(MEDIA_EVENTS_TOPIC, {
      type: 'media.complete',
      source: ctx.nodeId,
      time: now(),
      data: { ...data },
    });
  } catch (error) {
    ctx.logger.warn('could not publish media.complete', { error: (error as Error).message, uri: data.uri });
  }
}
