import { describe, expect, it } from 'vitest';
import { federateKeys, type KeyRule, prefixPromptName, prefixResourceUri } from './feature-naming.js';

type Item = { key: string; _meta?: Record<string, unknown> };

const URI_RULE: KeyRule<Item> = {
  kind: 'resource',
  key: (item) => item.key,
  prefixed: prefixResourceUri,
  rename: (item, key, origin) => ({ ...item, key, _meta: { origin } }),
  origin: (peer, uri) => ({ peer, uri }),
};

const list = (owner: string, keys: string[], prefix = owner) => ({
  owner,
  prefix,
  items: keys.map((key) => ({ key })),
});

describe('prefixResourceUri', () => {
  it('joins the prefix to the scheme with +, keeping template variables', () => {
    expect(prefixResourceUri('alpha', 'docs://readme')).toBe('alpha+docs://readme');
    expect(prefixResourceUri('a1', 'stories://{date}/{ageBand}')).toBe('a1+stories://{date}/{ageBand}');
    expect(URL.canParse(prefixResourceUri('alpha', 'docs://readme') ?? '')).toBe(true);
  });

  it('refuses a prefix that cannot start a URI scheme', () => {
    expect(prefixResourceUri('story_text', 'docs://readme')).toBeUndefined();
    expect(prefixResourceUri('1st', 'docs://readme')).toBeUndefined();
  });

  it('prefixes prompt names as tool names', () => {
    expect(prefixPromptName('text', 'summary')).toBe('text_summary');
  });
});

describe('federateKeys', () => {
  it('conditional: only keys two owners offer are prefixed, the gateway’s own never', () => {
    const naming = federateKeys(
      [
        list('alpha', ['docs://readme', 'alpha://only', 'shared://x']),
        list('beta', ['docs://readme']),
        list('', ['shared://x']),
      ],
      'conditional',
      URI_RULE,
    );
    expect([...naming.items.keys()]).toEqual([
      'shared://x',
      'alpha+docs://readme',
      'alpha://only',
      'alpha+shared://x',
      'beta+docs://readme',
    ]);
    expect(naming.items.get('shared://x')).toMatchObject({
      owner: '',
      prefixed: false,
      item: { key: 'shared://x' },
    });
    expect(naming.items.get('beta+docs://readme')).toMatchObject({
      owner: 'beta',
      originalKey: 'docs://readme',
      prefixed: true,
      item: { key: 'beta+docs://readme', _meta: { origin: { peer: 'beta', uri: 'docs://readme' } } },
    });
    expect(naming.problems).toEqual([]);
  });

  it('always prefixes every peer’s key; never keeps keys and leaves the second owner out', () => {
    const always = federateKeys([list('alpha', ['a://1']), list('beta', ['b://2'])], 'always', URI_RULE);
    expect([...always.items.keys()]).toEqual(['alpha+a://1', 'beta+b://2']);
    const never = federateKeys([list('alpha', ['docs://x']), list('beta', ['docs://x'])], 'never', URI_RULE);
    expect([...never.items.keys()]).toEqual(['docs://x']);
    expect(never.items.get('docs://x')?.owner).toBe('alpha');
    expect(never.problems).toEqual([
      expect.objectContaining({
        code: 'failed_precondition',
        details: expect.objectContaining({ reason: 'ambiguous_name' }),
      }),
    ]);
  });

  it('leaves out a colliding item whose prefix cannot make a URI, naming it', () => {
    const naming = federateKeys(
      [list('alpha', ['docs://x']), list('story_text', ['docs://x'])],
      'conditional',
      URI_RULE,
    );
    expect([...naming.items.keys()]).toEqual(['alpha+docs://x']);
    expect(naming.problems[0]?.message).toMatch(/prefix "story_text" cannot start a URI scheme/);
  });

  it('counts a key an owner lists twice once', () => {
    const naming = federateKeys([list('alpha', ['docs://x', 'docs://x'])], 'conditional', URI_RULE);
    expect([...naming.items.keys()]).toEqual(['docs://x']);
    expect(naming.problems).toEqual([]);
  });
});
