import { evaluateSafetyRules } from '../../safety/safety-rules.js';
import type { SafetyCheckOptions, SafetyProvider } from '../provider-types.js';

/**
 * The offline child-safety gate: word lists and patterns (see `SAFETY_RULES`) for violence, weapons, self-harm,
 * adult content, personal data, horror and, for the age bands 3-5 and 6-8, scary content. Deterministic, free
 * (reports no usage).
 *
 * @example
 * ```ts
 * const verdict = await createOfflineSafetyProvider().check('Call me on 555-123-4567', { ageBand: '6-8' });
 * verdict.safe; // false
 * ```
 */
export function createOfflineSafetyProvider(): SafetyProvider {
  return {
    name: 'offline-rules',
    async check(text: string, options: SafetyCheckOptions = {}) {
      options.signal?.throwIfAborted();
      return evaluateSafetyRules(text, options.ageBand);
    },
  };
}
