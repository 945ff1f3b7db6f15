import { PARAMETER_NAMES, PARAMETER_TABLE } from './generation-parameters.js';
import { PARAMETER_CATEGORIES, type ParameterSpec } from './parameter-spec.js';

function cell(value: string): string {
  return value.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

const MEDIA_NOTE =
  "The media tools apply these when the call passes `parameters` (the pipeline always does); without it they keep their providers' own settings. **Applied** says what the offline providers and the cloud providers do with each one; tool-level parameters act the same on both.";

function appliedText(spec: ParameterSpec): string {
  const parts: string[] = [];
  if (spec.applied?.offline) parts.push(`**Offline:** ${spec.applied.offline}`);
  if (spec.applied?.cloud) parts.push(`**Cloud:** ${spec.applied.cloud}`);
  return parts.length > 0 ? parts.join(' ') : 'Not applied.';
}

/**
 * Renders `docs/parameters.md` from {@link PARAMETER_TABLE}: one section per category with every parameter's
 * type, default, allowed values and doc. The committed file must equal this output (a test checks it);
 * regenerate with `npm run generate:parameters-doc -w @kidsstories/kidsstories-tools`.
 */
export function renderParametersDoc(): string {
  const lines: string[] = [
    '# Generation parameters',
    '',
    '<!-- Generated from packages/kidsstories-tools/src/parameters by',
    '     `npm run generate:parameters-doc -w @kidsstories/kidsstories-tools`. Do not edit by hand. -->',
    '',
    `${PARAMETER_NAMES.length} parameters in ${PARAMETER_CATEGORIES.length} categories. Pass any subset as`,
    '`parameters` to `generate_story` (and the media and video tools); the rest take their defaults. A value out of',
    'range fails with a `MeshError` `invalid_argument` that names the parameter and its allowed values.',
    '',
    '| Category | Parameters |',
    '| --- | --- |',
  ];
  const byCategory = PARAMETER_CATEGORIES.map((category) => ({
    category,
    names: PARAMETER_NAMES.filter(
      (name) => (PARAMETER_TABLE[name] as ParameterSpec).category === category.id,
    ),
  }));
  for (const { category, names } of byCategory) lines.push(`| ${category.title} | ${names.length} |`);
  for (const { category, names } of byCategory) {
    // Media parameters say where they take effect: offline (the embedded providers) and cloud.
    const media = names.some((name) => (PARAMETER_TABLE[name] as ParameterSpec).applied !== undefined);
    lines.push('', `## ${category.title}`, '');
    if (media) lines.push(MEDIA_NOTE, '');
    lines.push(`| Parameter | Type | Default | Allowed | Description |${media ? ' Applied |' : ''}`);
    lines.push(`| --- | --- | --- | --- | --- |${media ? ' --- |' : ''}`);
    for (const name of names) {
      const spec = PARAMETER_TABLE[name] as ParameterSpec;
      const defaultText = `\`${JSON.stringify(spec.default)}\``;
      const applied = media ? ` ${cell(appliedText(spec))} |` : '';
      lines.push(
        `| \`${name}\` | ${cell(spec.type)} | ${cell(defaultText)} | ${cell(spec.allowed)} | ${cell(spec.doc)} |${applied}`,
      );
    }
  }
  lines.push('');
  return lines.join('\n');
}
