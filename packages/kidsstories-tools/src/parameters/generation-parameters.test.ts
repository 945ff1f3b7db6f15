import { thrownMeshError } from '@kidsstories/mesh-core/testing';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  generationParametersInputSchema,
  generationParametersSchema,
  PARAMETER_NAMES,
  PARAMETER_TABLE,
  resolveParameters,
} from './generation-parameters.js';
import { PARAMETER_CATEGORIES, type ParameterSpec } from './parameter-spec.js';

describe('generation parameters', () => {
  it('holds at least 102 parameters with the brief counts per category', () => {
    expect(PARAMETER_NAMES.length).toBeGreaterThanOrEqual(102);
    for (const category of PARAMETER_CATEGORIES) {
      const count = PARAMETER_NAMES.filter(
        (name) => (PARAMETER_TABLE[name] as ParameterSpec).category === category.id,
      ).length;
      expect(count, category.id).toBeGreaterThanOrEqual(category.minimumCount);
    }
    for (const name of [
      'page_count',
      'word_range',
      'reading_level',
      'json_schema',
      'sentence_structure',
      'personality_traits',
      'physical_features',
      'clothing_spec',
      'color_palette',
      'distinctive_marks',
      'genre_weight',
      'location_type',
      'action_verbs',
      'goal_templates',
      'seasonal_context',
      'repetition_window_days',
      'history_hash',
      'uniqueness_threshold',
      'semantic_distance',
      'temperature',
      'top_p',
      'presence_penalty',
      'frequency_penalty',
      'max_tokens',
      'style_prompt',
      'character_guide',
      'composition_rules',
      'color_enforcement',
      'size_spec',
      'voice_id',
      'sample_rate',
      'emotion_mapping',
      'pacing_multiplier',
      'expression_intensity',
      'motion_type',
      'duration_sec',
      'model_tier',
      'cost_ceiling',
      'quality_preset',
    ]) {
      expect(PARAMETER_NAMES, name).toContain(name);
    }
  });

  it('gives every parameter a default its own schema accepts, a range and a one-line doc', () => {
    for (const name of PARAMETER_NAMES) {
      const spec = PARAMETER_TABLE[name] as ParameterSpec;
      expect(spec.schema.safeParse(spec.default).success, name).toBe(true);
      expect(spec.allowed.length, name).toBeGreaterThan(0);
      expect(spec.doc, name).toMatch(/^[A-Z].*\.$/);
      expect(spec.doc, name).not.toContain('\n');
    }
  });

  it('applies defaults and keeps given values', () => {
    const parameters = resolveParameters({ page_count: 4, age_band: '3-5', word_range: [10, 20] });
    expect(parameters.page_count).toBe(4);
    expect(parameters.age_band).toBe('3-5');
    expect(parameters.word_range).toEqual([10, 20]);
    expect(parameters.voice_id).toBe('nova');
    expect(parameters.sample_rate).toBe(24_000);
    expect(Object.keys(parameters)).toHaveLength(PARAMETER_NAMES.length);
    expect(resolveParameters()).toEqual(generationParametersSchema.parse({}));
  });

  it('does not share default arrays between results', () => {
    const first = resolveParameters();
    first.personality_traits.push('loud');
    expect(resolveParameters().personality_traits).toEqual(['curious', 'kind']);
  });

  it.each([
    [{ page_count: 99 }, 'page_count', 'integer from 1 to 24'],
    [{ page_count: 2.5 }, 'page_count', 'integer from 1 to 24'],
    [{ temperature: 3 }, 'temperature', 'number from 0 to 2'],
    [{ voice_id: 'darth' }, 'voice_id', 'one of nova, alloy'],
    [{ sample_rate: 8000 }, 'sample_rate', '16000, 22050, 24000'],
    [{ word_range: [80, 20] }, 'word_range', 'low <= high'],
    [{ color_palette: ['red'] }, 'color_palette', '#A1B2C3'],
    [{ goal_templates: [] }, 'goal_templates', '1..6 distinct values'],
    [{ genre_weight: { adventure: 0 } }, 'genre_weight', 'at least one above 0'],
    [{ duration_sec: 12 }, 'duration_sec', 'from 5 to 10'],
  ])('rejects %j naming %s and its range', (input, field, range) => {
    const error = thrownMeshError(() => resolveParameters(input));
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toContain(field);
    expect(error.message).toContain(range);
    expect(error.details.field).toBe(field);
    expect(error.details.allowed).toBe(
      (PARAMETER_TABLE[field as keyof typeof PARAMETER_TABLE] as ParameterSpec).allowed,
    );
  });

  it('rejects unknown parameters with suggestions', () => {
    const error = thrownMeshError(() => resolveParameters({ page_cout: 3 }));
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toContain('unknown generation parameter page_cout');
    expect(error.details.suggestions).toContain('page_count');
  });

  it('reports every issue in details', () => {
    const error = thrownMeshError(() => resolveParameters({ page_count: 0, top_p: 2 }));
    expect(error.message).toContain('and 1 more');
    expect(error.details.issues).toHaveLength(2);
  });

  it('rejects a non-object', () => {
    expect(thrownMeshError(() => resolveParameters([1])).code).toBe('invalid_argument');
  });

  it('exports a JSON Schema for tool inputs with ranges and no extra properties', () => {
    const schema = z.toJSONSchema(generationParametersInputSchema) as {
      properties: Record<string, { minimum?: number; maximum?: number }>;
      additionalProperties: boolean;
    };
    expect(Object.keys(schema.properties)).toHaveLength(PARAMETER_NAMES.length);
    expect(schema.properties.page_count).toMatchObject({ minimum: 1, maximum: 24 });
    expect(schema.additionalProperties).toBe(false);
    const invalid = generationParametersInputSchema.safeParse({ page_count: 30 });
    expect(invalid.success).toBe(false);
    expect(invalid.error?.issues[0]?.path).toEqual(['page_count']);
    expect(invalid.error?.issues[0]?.message).toBe('must be an integer from 1 to 24');
  });
});
