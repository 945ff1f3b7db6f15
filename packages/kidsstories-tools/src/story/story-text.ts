import { createHash } from 'node:crypto';
import type { Story } from './story-schema.js';

/** The readable text of a story: title, pages and moral, one paragraph each. */
export function storyText(story: Story): string {
  return [story.title, ...story.pages.map((page) => page.text), story.moral].join('\n\n');
}

/** Every piece of a story a child or a picture model sees, for the safety gate. */
export function storySafetyTexts(story: Story): string[] {
  return [
    story.title,
    story.moral,
    ...story.pages.flatMap((page) => [page.text, page.sceneDescription]),
    ...story.characters.flatMap((character) => [
      character.name,
      character.species,
      ...character.traits,
      ...character.physicalFeatures,
      ...character.clothing,
      ...character.distinctiveMarks,
    ]),
  ];
}

/** SHA-256 (hex) of a story's text, with case and spacing normalised, for exact-repeat detection. */
export function storyContentHash(story: Story): string {
  const normalised = storyText(story).toLowerCase().replace(/\s+/g, ' ').trim();
  return createHash('sha256').update(normalised).digest('hex');
}
