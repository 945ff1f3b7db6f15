import { MeshError } from '@kidsstories/mesh-core';
import { closestNames } from '@kidsstories/mesh-core/host';
import * as z from 'zod';
import { AUDIO_PARAMETERS, IMAGE_PARAMETERS, VIDEO_PARAMETERS } from './media-parameters.js';
import type { ParameterSpec } from './parameter-spec.js';
import {
  ENTITY_PARAMETERS,
  LLM_PARAMETERS,
  NARRATIVE_PARAMETERS,
  THEME_PARAMETERS,
  VARIATION_PARAMETERS,
} from './story-parameters.js';

/**
 * Every generation parameter with its category, default, allowed range and doc: the one table the zod schema,
 * the validation messages and `docs/parameters.md` are built from. 102 parameters in eight categories.
 */
export const PARAMETER_TABLE = {
  ...NARRATIVE_PARAMETERS,
  ...ENTITY_PARAMETERS,
  ...THEME_PARAMETERS,
  ...VARIATION_PARAMETERS,
  ...LLM_PARAMETERS,
  ...IMAGE_PARAMETERS,
  ...AUDIO_PARAMETERS,
  ...VIDEO_PARAMETERS,
};

type Table = typeof PARAMETER_TABLE;

/** The name of a generation parameter (`page_count`, `voice_id`…). */
export type ParameterName = keyof Table;

/** A complete, validated set of generation parameters (every parameter present). */
export type GenerationParameters = {
  -readonly [K in ParameterName]: Table[K] extends ParameterSpec<infer T> ? T : never;
};

/** Generation parameters as a caller gives them: any subset; the rest take their defaults. */
export type GenerationParametersInput = Partial<GenerationParameters>;

/** Every parameter name, in table order (category by category). */
export const PARAMETER_NAMES = Object.keys(PARAMETER_TABLE) as ParameterName[];

function specOf(name: ParameterName): ParameterSpec {
  return PARAMETER_TABLE[name] as ParameterSpec;
}

function cloneDefault<T>(value: T): T {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}

/**
 * The zod schema of a partial parameter set, as a tool input: every parameter optional, unknown names rejected,
 * each value checked against its range (messages name the allowed range).
 */
export const generationParametersInputSchema = z.strictObject(
  Object.fromEntries(PARAMETER_NAMES.map((name) => [name, specOf(name).schema.optional()])),
) as unknown as z.ZodType<GenerationParametersInput, GenerationParametersInput>;

/**
 * The zod schema of a complete parameter set: parsing `{}` yields every default.
 *
 * @example
 * ```ts
 * generationParametersSchema.parse({ page_count: 4 }).voice_id; // 'nova'
 * ```
 */
export const generationParametersSchema = z.strictObject(
  Object.fromEntries(
    PARAMETER_NAMES.map((name) => {
      const spec = specOf(name);
      return [name, spec.schema.default(() => cloneDefault(spec.default))];
    }),
  ),
) as unknown as z.ZodType<GenerationParameters, GenerationParametersInput>;

/** The default value of every parameter. */
export function defaultParameters(): GenerationParameters {
  return Object.fromEntries(
    PARAMETER_NAMES.map((name) => [name, cloneDefault(specOf(name).default)]),
  ) as GenerationParameters;
}

/** Up to three parameter names closest to an unknown one. */
function closestParameterNames(name: string): string[] {
  return closestNames(name, PARAMETER_NAMES);
}

function describe(value: unknown): string {
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/**
 * Validates a partial parameter set and fills in the defaults.
 *
 * @param partial - Any subset of the parameters (`undefined` means all defaults).
 * @returns Every parameter, validated.
 * @throws MeshError `invalid_argument` naming the first bad parameter and its allowed range
 *   (`details.field`, `details.allowed`; `details.issues` lists every problem), or naming an unknown parameter
 *   with the closest known names in `details.suggestions`.
 * @example
 * ```ts
 * const parameters = resolveParameters({ page_count: 4, age_band: '3-5' });
 * parameters.word_range; // [25, 60]
 * ```
 */
export function resolveParameters(partial?: unknown): GenerationParameters {
  if (partial === undefined || partial === null) return defaultParameters();
  if (typeof partial !== 'object' || Array.isArray(partial)) {
    throw new MeshError('parameters must be an object of generation parameters', 'invalid_argument', {
      details: { field: 'parameters' },
    });
  }
  const issues: { field: string; allowed?: string; message: string }[] = [];
  const resolved = defaultParameters() as Record<string, unknown>;
  for (const [name, value] of Object.entries(partial)) {
    if (!Object.hasOwn(PARAMETER_TABLE, name)) {
      const suggestions = closestParameterNames(name);
      const hint = suggestions.length > 0 ? ` (did you mean ${suggestions.join(', ')}?)` : '';
      issues.push({ field: name, message: `unknown generation parameter ${name}${hint}` });
      continue;
    }
    if (value === undefined) continue;
    const spec = specOf(name as ParameterName);
    const result = spec.schema.safeParse(value);
    if (result.success) {
      resolved[name] = result.data;
    } else {
      // The spec's own message names the range in words; fall back to the compact range text.
      const said = result.error.issues.find((issue) => issue.message.startsWith('must '))?.message;
      issues.push({
        field: name,
        allowed: spec.allowed,
        message: `${name} ${said ?? `must be ${spec.allowed}`} (got ${describe(value)})`,
      });
    }
  }
  const first = issues[0];
  if (first) {
    const more = issues.length > 1 ? `; and ${issues.length - 1} more invalid parameter(s)` : '';
    const suggestions = first.allowed === undefined ? closestParameterNames(first.field) : [];
    throw new MeshError(`${first.message}${more}`, 'invalid_argument', {
      details: {
        field: first.field,
        ...(first.allowed === undefined ? {} : { allowed: first.allowed }),
        ...(suggestions.length > 0 ? { suggestions } : {}),
        issues,
      },
    });
  }
  return resolved as GenerationParameters;
}
