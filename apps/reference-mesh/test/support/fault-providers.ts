import { createHash } from 'node:crypto';
import {
  createProviders,
  type KidsStoriesProviders,
  meshErrorFromProvider,
  type VideoProvider,
} from '@kidsstories/kidsstories-tools';

/**
 * Fault-injecting providers for the failure matrix: each wraps an offline provider and, when the plan says so,
 * answers the way a failing cloud provider does. Failures go through `meshErrorFromProvider`, the one boundary
 * where real provider failures become mesh errors, so the tools, the gateway and the pipeline see what they would
 * see from Azure OpenAI or Runware. Nothing of the pipeline itself is replaced.
 */

/** The generation providers faults can be injected into. */
export type FaultKind = 'story' | 'refine' | 'image' | 'speech' | 'video';

/**
 * What one call does: `5xx` (503), `429` (with `retry-after-ms`), `timeout` (the provider's client times out:
 * `deadline_exceeded`), `hang` (no answer until the caller gives up), or nothing (the offline provider answers).
 */
export type Fault = '5xx' | '429' | 'timeout' | 'hang';

/** One call a wrapped provider received. */
export interface FaultCall {
  kind: FaultKind;
  /** 1-based count of this kind's calls. */
  call: number;
  /** The fault injected, if any. */
  fault?: Fault;
  /** Epoch milliseconds the call arrived. */
  at: number;
  /** What the call asked for (image `quality`, video `model`), when it matters. */
  asked?: string;
}

/**
 * Decides each call's fault from its kind, its count, what it asked for and `identity`, a digest of the request
 * that does not depend on the order concurrent calls arrive in.
 */
export type FaultPlan = (
  kind: FaultKind,
  call: number,
  asked: string | undefined,
  identity: string,
) => Fault | undefined;

/** Options for {@link faultInjectingProviders}. */
export interface FaultProvidersOptions {
  /** The providers wrapped. Default: the offline providers. */
  base?: KidsStoriesProviders;
  /** `Retry-After` of an injected 429, in milliseconds. Default 100. */
  retryAfterMs?: number;
  /** How long an injected `timeout` takes before it fails, in milliseconds. Default 20. */
  timeoutAfterMs?: number;
  /**
   * Make the video provider behave like Runware: no local model, so `select_model` and the model catalogue
   * apply; the clip is rendered by the offline renderer and reported under the catalogue model asked for.
   */
  catalogueVideo?: boolean;
}

/** Wraps the providers; returns them and the log of every call. */
export function faultInjectingProviders(plan: FaultPlan, options: FaultProvidersOptions = {}) {
  const base = options.base ?? createProviders();
  const calls: FaultCall[] = [];
  const counts: Record<FaultKind, number> = { story: 0, refine: 0, image: 0, speech: 0, video: 0 };
  const retryAfterMs = options.retryAfterMs ?? 100;
  const timeoutAfterMs = options.timeoutAfterMs ?? 20;

  const inject = async (
    kind: FaultKind,
    asked: string | undefined,
    signal: AbortSignal | undefined,
    request: unknown,
  ) => {
    counts[kind] += 1;
    const fault = plan(kind, counts[kind], asked, digestOf(request));
    calls.push({
      kind,
      call: counts[kind],
      at: Date.now(),
      ...(fault ? { fault } : {}),
      ...(asked ? { asked } : {}),
    });
    const provider = `fault-${kind}`;
    switch (fault) {
      case undefined:
        return;
      case '5xx':
        throw meshErrorFromProvider({ status: 503, message: 'Service Unavailable (injected)' }, { provider });
      case '429':
        throw meshErrorFromProvider(
          {
            status: 429,
            message: 'Too Many Requests (injected)',
            headers: new Headers({ 'retry-after-ms': String(retryAfterMs) }),
          },
          { provider },
        );
      case 'timeout':
        await new Promise((resolve) => setTimeout(resolve, timeoutAfterMs));
        throw meshErrorFromProvider(new DOMException('request timed out (injected)', 'TimeoutError'), {
          provider,
        });
      case 'hang':
        // Answers nothing until the caller's deadline aborts the call.
        await new Promise<never>((_, reject) => {
          const abort = () =>
            reject(meshErrorFromProvider(new DOMException('hung (injected)', 'AbortError')));
          if (signal?.aborted) abort();
          signal?.addEventListener('abort', abort, { once: true });
        });
    }
  };

  const video: VideoProvider = options.catalogueVideo
    ? {
        name: 'runware-stand-in',
        async animate(request, callOptions) {
          await inject('video', request.model, callOptions?.signal, request.png);
          const clip = await base.video.animate(request, callOptions);
          return { ...clip, model: request.model, usage: { ...clip.usage, model: request.model } };
        },
      }
    : {
        ...base.video,
        async animate(request, callOptions) {
          await inject('video', request.model, callOptions?.signal, request.png);
          return base.video.animate(request, callOptions);
        },
      };

  const providers: KidsStoriesProviders = {
    ...base,
    story: {
      ...base.story,
      async generateStory(request, callOptions) {
        await inject('story', undefined, callOptions?.signal, request.parameters);
        return base.story.generateStory(request, callOptions);
      },
    },
    refine: {
      ...base.refine,
      async refine(request, callOptions) {
        await inject('refine', undefined, callOptions?.signal, request.text);
        return base.refine.refine(request, callOptions);
      },
    },
    image: {
      ...base.image,
      async generateImage(request, callOptions) {
        await inject('image', request.quality ?? 'standard', callOptions?.signal, request.prompt);
        return base.image.generateImage(request, callOptions);
      },
    },
    speech: {
      ...base.speech,
      async synthesize(request, callOptions) {
        await inject('speech', undefined, callOptions?.signal, request.text);
        return base.speech.synthesize(request, callOptions);
      },
    },
    video,
  };
  return { providers, calls, counts };
}

/** A digest of a request (bytes or JSON). */
function digestOf(request: unknown): string {
  const data = request instanceof Uint8Array ? request : JSON.stringify(request ?? null);
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

/**
 * A seeded plan injecting faults into `rate` of the calls, spread evenly over `faults`. Each draw depends only on
 * the seed, the kind, the request and how many times that request was made, so a seed replays the same faults
 * whatever order concurrent calls arrive in.
 */
export function seededFaults(seed: string, rate: number, faults: readonly Fault[]): FaultPlan {
  const tries = new Map<string, number>();
  return (kind, _call, asked, identity) => {
    const key = `${kind}:${asked ?? ''}:${identity}`;
    const attempt = (tries.get(key) ?? 0) + 1;
    tries.set(key, attempt);
    const digest = createHash('sha256').update(`${seed}:${key}:${attempt}`).digest();
    if (digest.readUInt32BE(0) / 2 ** 32 >= rate) return undefined;
    return faults[digest.readUInt32BE(4) % faults.length];
  };
}
