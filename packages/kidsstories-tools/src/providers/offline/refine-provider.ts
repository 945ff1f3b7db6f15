import { fleschKincaidGrade } from '../../text/readability.js';
import { refineTextToGrade } from '../../text/refine-text.js';
import type { ProviderCallOptions, RefineProvider } from '../provider-types.js';

/** The model name the offline readability refiner reports in its usage. */
export const OFFLINE_REFINE_MODEL = 'offline:readability-refiner';

/**
 * The offline readability refiner: moves each paragraph's Flesch-Kincaid grade toward the target by splitting
 * sentences into whole clauses, joining them and swapping hard words for familiar ones (see `refineTextToGrade`). Deterministic;
 * usage is reported in approximate tokens (4 characters each).
 *
 * @example
 * ```ts
 * const { text } = await createOfflineRefineProvider().refine({ text, targetGrade: 2, ageBand: '6-8' });
 * ```
 */
export function createOfflineRefineProvider(): RefineProvider {
  return {
    name: 'offline-readability',
    model: OFFLINE_REFINE_MODEL,
    async refine(request, options: ProviderCallOptions = {}) {
      options.signal?.throwIfAborted();
      const paragraphs = request.text.split(/\n\s*\n/);
      const refineAll = (grade: number) =>
        paragraphs
          .map((paragraph) =>
            paragraph.trim() === '' ? paragraph : refineTextToGrade(paragraph, grade).text,
          )
          .join('\n\n');
      // Paragraphs refined one by one can each stop just inside the tolerance on the same side; aim past the
      // target by the remaining gap of the whole text (two more passes at most).
      let aim = request.targetGrade;
      let refined = refineAll(aim);
      for (let pass = 0; pass < 2; pass++) {
        const gap = fleschKincaidGrade(refined) - request.targetGrade;
        if (Math.abs(gap) <= 0.5) break;
        aim -= gap;
        refined = refineAll(aim);
      }
      return {
        text: refined,
        usage: {
          model: OFFLINE_REFINE_MODEL,
          inputTokens: Math.ceil(request.text.length / 4),
          outputTokens: Math.ceil(refined.length / 4),
          requests: 1,
        },
      };
    },
  };
}
