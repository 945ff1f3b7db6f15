import { describe, expect, it } from 'vitest';
import type { MeshToolInfo } from '../tool/tool-context.js';
import { federateToolNames, ORIGIN_META_KEY, type PeerToolList } from './tool-naming.js';

const tool = (name: string): MeshToolInfo => ({ name, description: name, inputSchema: { type: 'object' } });
const text: PeerToolList = { peer: 'text', prefix: 'text', tools: [tool('generate_story'), tool('health')] };
const media: PeerToolList = { peer: 'media', prefix: 'img', tools: [tool('generate_image'), tool('health')] };

describe('federateToolNames', () => {
  it('prefixes only colliding names in conditional mode and keeps the origin in _meta', () => {
    const { tools, problems } = federateToolNames([text, media], { mode: 'conditional' });
    expect([...tools.keys()]).toEqual(['generate_story', 'text_health', 'generate_image', 'img_health']);
    expect(tools.get('img_health')).toMatchObject({ peer: 'media', originalName: 'health', prefixed: true });
    expect(tools.get('img_health')?.info._meta).toEqual({
      [ORIGIN_META_KEY]: { peer: 'media', tool: 'health' },
    });
    expect(problems).toEqual([]);
  });

  it("prefixes names that collide with the gateway's own tools", () => {
    const { tools } = federateToolNames([{ peer: 'text', prefix: 'text', tools: [tool('route')] }], {
      mode: 'conditional',
      reserved: ['route'],
    });
    expect([...tools.keys()]).toEqual(['text_route']);
  });

  it('prefixes everything in always mode', () => {
    const { tools } = federateToolNames([text, media], { mode: 'always' });
    expect([...tools.keys()]).toEqual([
      'text_generate_story',
      'text_health',
      'img_generate_image',
      'img_health',
    ]);
  });

  it('keeps names in never mode and fails on ambiguity naming both peers', () => {
    const { tools } = federateToolNames([text, { ...media, tools: [tool('generate_image')] }], {
      mode: 'never',
    });
    expect([...tools.keys()]).toEqual(['generate_story', 'health', 'generate_image']);
    let error: unknown;
    try {
      federateToolNames([text, media], { mode: 'never' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      code: 'failed_precondition',
      message: expect.stringMatching(/"health" is offered by both peer "text" and peer "media"/),
      details: { peers: ['text', 'media'], tool: 'health' },
    });
    expect(() => federateToolNames([text], { mode: 'never', reserved: ['health'] })).toThrow(/the gateway/);
  });

  it('fails when a prefixed name meets another plain name', () => {
    const a: PeerToolList = { peer: 'a', prefix: 'a', tools: [tool('x')] };
    const b: PeerToolList = { peer: 'b', prefix: 'b', tools: [tool('x'), tool('a_x')] };
    expect(() => federateToolNames([a, b], { mode: 'conditional' })).toThrow(
      expect.objectContaining({ code: 'failed_precondition', message: expect.stringContaining('"a_x"') }),
    );
  });

  it('reports tools whose final name is too long or invalid, naming tool and peer', () => {
    const long = 'x'.repeat(60);
    const peer: PeerToolList = { peer: 'video', prefix: 'video', tools: [tool(long), tool('ok')] };
    const { tools, problems } = federateToolNames([peer], { mode: 'always' });
    expect([...tools.keys()]).toEqual(['video_ok']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      code: 'failed_precondition',
      message: expect.stringContaining(`tool "${long}" of peer "video"`),
      details: { tool: long, peer: 'video' },
    });
    expect(problems[0]?.message).toMatch(/66 characters long \(at most 64\)/);
    const dotted = federateToolNames([{ peer: 'p', prefix: 'p', tools: [tool('a.b')] }], { mode: 'never' });
    expect(dotted.problems[0]?.message).toMatch(/outside \[A-Za-z0-9_-\]/);
  });
});
