/** The reader age bands a story is written for. */
export const AGE_BANDS = ['3-5', '6-8', '9-12'] as const;

/** A reader age band, in years. */
export type AgeBand = (typeof AGE_BANDS)[number];

/** Reading levels a story can target, from kindergarten to grade 7. */
export const READING_LEVELS = [
  'grade_k',
  'grade_1',
  'grade_2',
  'grade_3',
  'grade_4',
  'grade_5',
  'grade_6',
  'grade_7',
] as const;

/** A reading level (`grade_k`…`grade_7`). */
export type ReadingLevel = (typeof READING_LEVELS)[number];

/** The reading level used for `reading_level: 'auto'`, per age band. */
export const DEFAULT_READING_LEVEL: Readonly<Record<AgeBand, ReadingLevel>> = {
  '3-5': 'grade_1',
  '6-8': 'grade_3',
  '9-12': 'grade_5',
};

/**
 * The Flesch-Kincaid grade a reading level targets: kindergarten is 0, `grade_n` is n.
 *
 * @example
 * ```ts
 * targetGradeOf('auto', '6-8'); // 3
 * ```
 */
export function targetGradeOf(readingLevel: ReadingLevel | 'auto', ageBand: AgeBand): number {
  const level = readingLevel === 'auto' ? DEFAULT_READING_LEVEL[ageBand] : readingLevel;
  return READING_LEVELS.indexOf(level);
}

/** The reading level nearest to a Flesch-Kincaid grade (clamped to `grade_k`…`grade_7`). */
export function readingLevelOfGrade(grade: number): ReadingLevel {
  const index = Math.min(READING_LEVELS.length - 1, Math.max(0, Math.round(grade)));
  return READING_LEVELS[index] ?? 'grade_k';
}
