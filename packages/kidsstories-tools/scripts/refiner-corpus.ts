/**
 * Prints the offline refiner's figures on the README example and the classic-prose corpus as a markdown table
 * (docs/performance.md): the grade before, after refining toward each age band's target, and the grade
 * `text-readability` measures on the result (the formula on its counts of sentences, words and syllables: its
 * own grade rounds syllables per word to one decimal). Ends with the time a refinement takes.
 *
 * Run: `npm run refiner-corpus -w @kidsstories/kidsstories-tools`
 */
import readability from 'text-readability';
import { AGE_BANDS, targetGradeOf } from '../src/story/age-band.js';
import { CLASSIC_PROSE } from '../src/text/fixtures/classic-prose.js';
import { fleschKincaidGrade, splitSentences } from '../src/text/readability.js';
import { refineTextToGrade } from '../src/text/refine-text.js';

const README_EXAMPLE =
  'Pip the fox observed an extraordinarily luminous celestial object descending gracefully.';
const passages = [{ source: 'README example of refine_readability', text: README_EXAMPLE }, ...CLASSIC_PROSE];
/** Flesch-Kincaid grade from `text-readability`'s counts of sentences, words and syllables. */
function theirGrade(text: string): number {
  const words = readability.lexiconCount(text);
  return (
    0.39 * (words / readability.sentenceCount(text)) +
    11.8 * (readability.syllableCount(text) / words) -
    15.59
  );
}

const targets = AGE_BANDS.map((band) => ({ band, target: targetGradeOf('auto', band) }));

const lines = [
  `| Passage | Sentences | Grade before | ${targets.map(({ band, target }) => `${band} (target ${target}): ours / text-readability`).join(' | ')} |`,
  `| --- | --- | --- | ${targets.map(() => '---').join(' | ')} |`,
];
let reached = 0;
let cells = 0;
const timesMs: number[] = [];
for (const { source, text } of passages) {
  const row = targets.map(({ target }) => {
    const started = performance.now();
    const refined = refineTextToGrade(text, target);
    timesMs.push(performance.now() - started);
    const within = Math.abs(refined.gradeAfter - target) <= 1;
    cells += 1;
    if (within) reached += 1;
    return `${refined.gradeAfter.toFixed(1)} / ${theirGrade(refined.text).toFixed(1)}${within ? '' : ' (missed)'}`;
  });
  lines.push(
    `| ${source} | ${splitSentences(text).length} | ${fleschKincaidGrade(text).toFixed(1)} | ${row.join(' | ')} |`,
  );
}
timesMs.sort((a, b) => a - b);
const median = timesMs[Math.floor(timesMs.length / 2)] ?? 0;
const slowest = timesMs[timesMs.length - 1] ?? 0;
lines.push(
  '',
  `${reached} of ${cells} within one grade of the target.`,
  '',
  `Time per refinement (first call included): median ${median.toFixed(0)} ms, slowest ${slowest.toFixed(0)} ms.`,
);
process.stdout.write(`${lines.join('\n')}\n`);
