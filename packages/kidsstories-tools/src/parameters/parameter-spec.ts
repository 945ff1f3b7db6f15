import * as z from 'zod';

/**
 * The eight parameter categories of the KidsStories brief, with the least number of parameters each must hold.
 * The parameter table is built category by category from these.
 */
export const PARAMETER_CATEGORIES = [
  { id: 'narrative_control', title: 'Narrative control', minimumCount: 12 },
  { id: 'entity_design', title: 'Entity design', minimumCount: 15 },
  { id: 'theme_selection', title: 'Theme selection', minimumCount: 8 },
  { id: 'variation_engine', title: 'Variation engine', minimumCount: 7 },
  { id: 'llm_tuning', title: 'LLM tuning', minimumCount: 5 },
  { id: 'image_synthesis', title: 'Image synthesis', minimumCount: 28 },
  { id: 'audio_production', title: 'Audio production', minimumCount: 11 },
  { id: 'video_animation', title: 'Video animation', minimumCount: 16 },
] as const;

/** One of the eight parameter categories (`narrative_control`, `image_synthesis`…). */
export type ParameterCategory = (typeof PARAMETER_CATEGORIES)[number]['id'];

/**
 * The metadata of one generation parameter: the single source the zod schema, the validation messages and
 * `docs/parameters.md` are built from.
 */
export interface ParameterSpec<T = unknown> {
  /** The category the parameter belongs to. */
  category: ParameterCategory;
  /** The value type as shown in the docs (`integer`, `enum`, `string[]`…). */
  type: string;
  /** The value used when the caller leaves the parameter out. */
  default: T;
  /** The allowed values or range, as shown in the docs and in error messages (`1..24`, `one of a, b`). */
  allowed: string;
  /** One-line description, with the unit where there is one. */
  doc: string;
  /** Validates one value of the parameter; its messages name the allowed range. */
  schema: z.ZodType<T>;
  /**
   * Where a media parameter takes effect, per provider family (image, audio and video parameters): what the
   * offline providers and the cloud providers do with it. A family left out does not apply it. Rendered as the
   * "Applied" column of `docs/parameters.md`; the parameter tests check that each named family's output or
   * request changes with the value.
   */
  applied?: ParameterApplication;
}

/** Where a media parameter takes effect: one sentence per provider family that applies it. */
export interface ParameterApplication {
  /** What the offline providers (illustrator, Flite, pan-and-zoom encoder) do with it. */
  offline?: string;
  /** What the cloud providers (OpenAI images and speech, Runware) do with it. */
  cloud?: string;
}

/** A parameter spec before its category is attached by {@link defineCategory}. */
export type ParameterDraft<T> = Omit<ParameterSpec<T>, 'category'>;

/** Attaches `category` to every draft of a category. */
export function defineCategory<const TDrafts extends Record<string, ParameterDraft<unknown>>>(
  category: ParameterCategory,
  drafts: TDrafts,
): { [K in keyof TDrafts]: TDrafts[K] & { category: ParameterCategory } } {
  const out: Record<string, ParameterSpec> = {};
  for (const [name, draft] of Object.entries(drafts)) out[name] = { ...draft, category };
  return out as { [K in keyof TDrafts]: TDrafts[K] & { category: ParameterCategory } };
}

interface BaseOptions<T> {
  default: T;
  doc: string;
  applied?: ParameterApplication;
}

function appliedOf(options: { applied?: ParameterApplication }): { applied?: ParameterApplication } {
  return options.applied === undefined ? {} : { applied: options.applied };
}

/** An integer parameter from `min` to `max` inclusive. */
export function integer(options: BaseOptions<number> & { min: number; max: number }): ParameterDraft<number> {
  const allowed = `${options.min}..${options.max}`;
  const error = `must be an integer from ${options.min} to ${options.max}`;
  return {
    type: 'integer',
    default: options.default,
    allowed,
    doc: options.doc,
    ...appliedOf(options),
    schema: z.number({ error }).int({ error }).min(options.min, { error }).max(options.max, { error }),
  };
}

/** A number parameter from `min` to `max` inclusive. */
export function decimal(options: BaseOptions<number> & { min: number; max: number }): ParameterDraft<number> {
  const error = `must be a number from ${options.min} to ${options.max}`;
  return {
    type: 'number',
    default: options.default,
    allowed: `${options.min}..${options.max}`,
    doc: options.doc,
    ...appliedOf(options),
    schema: z.number({ error }).min(options.min, { error }).max(options.max, { error }),
  };
}

/** A parameter that takes one of a fixed set of strings or numbers. */
export function oneOf<const TValue extends string | number>(
  values: readonly [TValue, ...TValue[]],
  options: BaseOptions<NoInfer<TValue>>,
): ParameterDraft<TValue> {
  const list = values.join(', ');
  const error = `must be one of ${list}`;
  return {
    type: typeof values[0] === 'number' ? 'enum (number)' : 'enum',
    default: options.default,
    allowed: `one of ${list}`,
    doc: options.doc,
    ...appliedOf(options),
    schema: z.literal(values as unknown as TValue[], { error }) as unknown as z.ZodType<TValue>,
  };
}

/** A boolean parameter. */
export function flag(options: BaseOptions<boolean>): ParameterDraft<boolean> {
  const error = 'must be true or false';
  return {
    type: 'boolean',
    default: options.default,
    allowed: 'true, false',
    doc: options.doc,
    ...appliedOf(options),
    schema: z.boolean({ error }),
  };
}

/** A free-text parameter of at most `maxLength` characters. */
export function text(options: BaseOptions<string> & { maxLength: number }): ParameterDraft<string> {
  const error = `must be a string of at most ${options.maxLength} characters`;
  return {
    type: 'string',
    default: options.default,
    allowed: `string, at most ${options.maxLength} chars`,
    doc: options.doc,
    ...appliedOf(options),
    schema: z.string({ error }).max(options.maxLength, { error }),
  };
}

/** A list of short free-text items. */
export function textList(
  options: BaseOptions<string[]> & { maxItems: number; maxLength: number },
): ParameterDraft<string[]> {
  const error = `must be a list of at most ${options.maxItems} non-empty strings of at most ${options.maxLength} characters`;
  return {
    type: 'string[]',
    default: options.default,
    allowed: `up to ${options.maxItems} strings of 1..${options.maxLength} chars`,
    doc: options.doc,
    ...appliedOf(options),
    schema: z
      .array(z.string({ error }).min(1, { error }).max(options.maxLength, { error }), { error })
      .max(options.maxItems, { error }),
  };
}

/** A list of values from a fixed set (no duplicates). */
export function oneOfList<const TValue extends string>(
  values: readonly [TValue, ...TValue[]],
  options: BaseOptions<NoInfer<TValue>[]> & { minItems: number; maxItems: number },
): ParameterDraft<TValue[]> {
  const list = values.join(', ');
  const error = `must be a list of ${options.minItems}..${options.maxItems} distinct values from ${list}`;
  return {
    type: 'enum[]',
    default: options.default,
    allowed: `${options.minItems}..${options.maxItems} of ${list}`,
    doc: options.doc,
    ...appliedOf(options),
    schema: z
      .array(z.enum(values as unknown as [TValue, ...TValue[]], { error }), { error })
      .min(options.minItems, { error })
      .max(options.maxItems, { error })
      .refine((items) => new Set(items).size === items.length, { error }),
  };
}

/** A list of `#RRGGBB` colours. */
export function hexColorList(
  options: BaseOptions<string[]> & { maxItems: number },
): ParameterDraft<string[]> {
  const error = `must be a list of at most ${options.maxItems} hex colours like #A1B2C3`;
  return {
    type: 'hex[]',
    default: options.default,
    allowed: `up to ${options.maxItems} colours #RRGGBB`,
    doc: options.doc,
    ...appliedOf(options),
    schema: z
      .array(z.string({ error }).regex(/^#[0-9A-Fa-f]{6}$/, { error }), { error })
      .max(options.maxItems, { error }),
  };
}

/** An inclusive `[low, high]` integer range inside `min..max`. */
export function integerRange(
  options: BaseOptions<[number, number]> & { min: number; max: number },
): ParameterDraft<[number, number]> {
  const error = `must be [low, high] integers from ${options.min} to ${options.max} with low <= high`;
  const bound = z.number({ error }).int({ error }).min(options.min, { error }).max(options.max, { error });
  return {
    type: '[integer, integer]',
    default: options.default,
    allowed: `[low, high] in ${options.min}..${options.max}, low <= high`,
    doc: options.doc,
    ...appliedOf(options),
    // Advertised as an array of exactly two items: a tuple's JSON Schema (`prefixItems`, `items: false`) is
    // rejected by the Inspector's strict lint and by strict function calling (issue 19). The pipe types it.
    schema: z
      .array(bound, { error })
      .min(2, { error })
      .max(2, { error })
      .pipe(z.tuple([bound, bound], { error }))
      .refine(([low, high]) => low <= high, { error }),
  };
}

/** Relative weights (each 0..1) over a fixed set of keys; missing keys count as 0. */
export function weights<const TKey extends string>(
  keys: readonly [TKey, ...TKey[]],
  options: BaseOptions<Partial<Record<TKey, number>>>,
): ParameterDraft<Partial<Record<TKey, number>>> {
  const error = `must be an object mapping ${keys.join(', ')} to weights from 0 to 1, at least one above 0`;
  const shape: Record<string, z.ZodOptional<z.ZodNumber>> = {};
  for (const key of keys) shape[key] = z.number({ error }).min(0, { error }).max(1, { error }).optional();
  return {
    type: 'weights',
    default: options.default,
    allowed: `{ ${keys.join(', ')} } each 0..1, one > 0`,
    doc: options.doc,
    ...appliedOf(options),
    schema: z
      .strictObject(shape, { error })
      .refine((value) => Object.values(value).some((weight) => (weight ?? 0) > 0), {
        error,
      }) as unknown as z.ZodType<Partial<Record<TKey, number>>>,
  };
}
