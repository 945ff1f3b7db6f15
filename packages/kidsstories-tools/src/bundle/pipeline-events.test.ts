import { MeshError } from '@kidsstories/mesh-core';
import { describe, expect, it } from 'vitest';
import { parseStageCompleteEvent, type StageCompleteEvent, stageCompleteFields } from './pipeline-events.js';

const event: StageCompleteEvent = {
  type: 'story.complete',
  date: '2026-12-06',
  ageBand: '6-8',
  runId: 'run-1',
  storyId: 'story_1',
  input: { date: '2026-12-06', ageBand: '6-8', pages: 3, parameters: { seed: 7 } },
};

describe('story.complete and media.complete events', () => {
  it('carry the run input as JSON and read back as they were written', () => {
    const fields = stageCompleteFields(event);
    expect(Object.values(fields).every((value) => typeof value === 'string')).toBe(true);
    expect(JSON.parse(fields.input ?? '')).toEqual(event.input);
    expect(parseStageCompleteEvent(fields)).toEqual(event);
    expect(parseStageCompleteEvent(stageCompleteFields({ ...event, type: 'media.complete' })).type).toBe(
      'media.complete',
    );
  });

  it.each([
    [{ type: 'bundle.complete' }, 'type'],
    [{ date: '2026-02-30' }, 'date'],
    [{ ageBand: '4-6' }, 'ageBand'],
    [{ runId: '' }, 'runId'],
    [{ storyId: '' }, 'storyId'],
    [{ input: '{not json' }, 'input'],
    [{ input: '[1]' }, 'input'],
    [{ input: JSON.stringify({ ...event.input, ageBand: '9-12' }) }, 'input'],
  ])('refuses %j, naming %s', (change, field) => {
    const fields = { ...stageCompleteFields(event), ...change };
    let caught: unknown;
    try {
      parseStageCompleteEvent(fields);
    } catch (error) {
      caught = error;
    }
    expect(MeshError.isInstance(caught)).toBe(true);
    expect((caught as MeshError).code).toBe('invalid_argument');
    expect((caught as MeshError).message).toContain(`"${field}"`);
    expect((caught as MeshError).details.field).toBe(field);
  });
});
