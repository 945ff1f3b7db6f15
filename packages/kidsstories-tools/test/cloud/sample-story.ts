/** A story in the story_v1 format, as a model would answer it (with a null for an optional-made-nullable field). */
export const SAMPLE_STORY = {
  title: 'Pip and the Lost Star',
  ageBand: '6-8',
  readingLevel: 'grade_2',
  pages: [
    {
      text: 'Pip the fox found a small star in the grass. It was cold and dim.',
      sceneDescription: 'A meadow at night with one dim star in the grass.',
      charactersPresent: ['Pip'],
    },
    {
      text: 'Pip carried the star up the hill, and it glowed bright again.',
      sceneDescription: 'A hilltop under a starry sky.',
      charactersPresent: ['Pip'],
    },
  ],
  characters: [
    {
      name: 'Pip',
      species: 'fox',
      traits: ['kind', 'curious'],
      physicalFeatures: ['bushy tail', 'white chest'],
      clothing: ['green scarf'],
      colorPalette: ['#E07A2F', '#FFFFFF', '#2F8F4E'],
      distinctiveMarks: ['notch in left ear'],
    },
  ],
  moral: 'Helping others makes everyone shine.',
};
