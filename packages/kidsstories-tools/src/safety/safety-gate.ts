import { MeshError } from '@kidsstories/mesh-core';
import type { ProviderUsage, SafetyProvider, SafetyVerdict } from '../providers/provider-types.js';
import type { Story } from '../story/story-schema.js';
import { storySafetyTexts } from '../story/story-text.js';

/** Options for {@link checkStorySafety} and {@link assertTextSafe}. */
export interface SafetyGateOptions {
  /** Reader age band; stricter rules for younger readers. */
  ageBand?: string;
  /** Cancels the provider call. */
  signal?: AbortSignal;
}

/**
 * Runs every piece of a story a child or a picture model sees (title, pages, scene descriptions, characters,
 * moral) through the safety provider in one call.
 */
export async function checkStorySafety(
  provider: SafetyProvider,
  story: Story,
  options: SafetyGateOptions = {},
): Promise<SafetyVerdict & { usage?: ProviderUsage }> {
  return provider.check(storySafetyTexts(story).join('\n'), {
    ...(options.ageBand === undefined ? {} : { ageBand: options.ageBand }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}

/**
 * Checks a text and throws when it is unsafe, so unsafe content is never returned.
 *
 * @param what - What the text is, for the message (`input text`, `refined text`).
 * @throws MeshError `failed_precondition` (the content policy mapping) with the reasons in `details.reasons`.
 */
export async function assertTextSafe(
  provider: SafetyProvider,
  text: string,
  what: string,
  options: SafetyGateOptions = {},
): Promise<ProviderUsage | undefined> {
  const verdict = await provider.check(text, {
    ...(options.ageBand === undefined ? {} : { ageBand: options.ageBand }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (!verdict.safe) {
    throw new MeshError(
      `the ${what} failed the child-safety gate (${verdict.reasons.join('; ')})`,
      'failed_precondition',
      {
        details: { reasons: verdict.reasons },
      },
    );
  }
  return verdict.usage;
}
