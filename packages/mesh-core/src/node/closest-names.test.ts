import { describe, expect, it } from 'vitest';
import { closestNames, editDistance } from './closest-names.js';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions, ignoring case', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('Echo', 'echo')).toBe(0);
  });
});

describe('closestNames', () => {
  const tools = ['generate_story', 'generate_image', 'media_render_video', 'budget_check', 'echo'];

  it('puts the nearest name first', () => {
    expect(closestNames('generate_stroy', tools)[0]).toBe('generate_story');
    expect(closestNames('ecoh', tools)[0]).toBe('echo');
  });

  it('finds a tool whose prefix was left out', () => {
    expect(closestNames('render_video', tools)[0]).toBe('media_render_video');
  });

  it('returns at most `limit` names and something even for a far miss', () => {
    expect(closestNames('generate', tools, { limit: 2 })).toHaveLength(2);
    expect(closestNames('zzzzzzzzzzzzzzzzzzzz', tools).length).toBeGreaterThan(0);
    expect(closestNames('x', [])).toEqual([]);
  });
});
