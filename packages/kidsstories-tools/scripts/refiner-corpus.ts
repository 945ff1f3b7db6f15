/**
 * Prints the offline refiner's figures on the README example and the classic-prose corpus as a markdown table
 * (docs/performance.md): the grade before, after refining toward each age band's target, and the grade
 * `text-readability` measures on the result.
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
const targets = AGE_BANDS.map((band) => ({ band, target: targetGradeOf('auto', band) }));

const lines = [
  `| Passage | Sentences | Grade before | ${targets.map(({ band, target }) => `${band} (target ${target}): ours / text-readability`).join(' | ')} |`,
  `| --- | --- | --- | ${targets.map(() => '---').join(' | ')} |`,
];
let reached = 0;
let cells = 0;
for (const { source, text } of passages) {
  const row = targets.map(({ target }) => {
    const refined = refineTextToGrade(text, target);
    const within = Math.abs(refined.gradeAfter - target) <= 1;
    cells += 1;
    if (within) reached += 1;
    return `${refined.gradeAfter.toFixed(1)} / ${readability.fleschKincaidGrade(refined.text).toFixed(1)}${within ? '' : ' (missed)'}`;
  });
  lines.push(
    `| ${source} | ${splitSentences(text).length} | ${fleschKincaidGrade(text).toFixed(1)} | ${row.join(' | ')} |`,
  );
}
lines.push('', `${reached} of ${cells} within one grade of the target.`);
process.stdout.write(`${lines.join('\n')}\n`);
