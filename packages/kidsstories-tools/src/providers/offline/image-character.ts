import type { CharacterLook } from '../provider-types.js';

/**
 * Draws one character of the character guide as SVG shapes. The drawing depends only on the character's look
 * (never on the page or the seed), so a character keeps its palette and features on every page:
 * `colorPalette[0]` is the body and head, `[1]` the clothing, `[2]` the accessories and distinctive marks,
 * `[3]` (when present) the hair. Features and marks are read from the guide's words (`long ears`, `spots`,
 * `star-shaped patch on the left ear`…).
 */

/** The body plan a character is drawn with. */
export type CharacterArchetype = 'person' | 'animal' | 'bird' | 'robot';

const BIRDS = ['owl', 'bird', 'duck', 'penguin', 'chick', 'parrot', 'hen'];
const PEOPLE = ['girl', 'boy', 'child', 'kid', 'grandma', 'grandpa', 'prince', 'princess', 'person'];
const ANIMAL_HINTS = ['fur', 'tail', 'paw', 'whisker', 'snout', 'ears', 'mane', 'scales'];

/** The archetype of a look: from its species, else from its features. */
export function archetypeOf(look: CharacterLook): CharacterArchetype {
  const species = (look.species ?? '').toLowerCase();
  const text = words(look);
  if (species === 'robot' || text.includes('robot')) return 'robot';
  if (BIRDS.some((bird) => species === bird) || text.includes('beak') || text.includes('feathers'))
    return 'bird';
  if (PEOPLE.includes(species)) return 'person';
  if (species !== '') return 'animal';
  return ANIMAL_HINTS.some((hint) => text.includes(hint)) ? 'animal' : 'person';
}

const NAMED_COLOURS: Record<string, string> = {
  white: '#ffffff',
  black: '#1f1f1f',
  gold: '#f2c230',
  golden: '#f2c230',
  silver: '#c9d1d9',
  pink: '#f48fb1',
  red: '#e53935',
  blue: '#1e88e5',
  green: '#43a047',
  yellow: '#fdd835',
  purple: '#8e24aa',
  orange: '#fb8c00',
  brown: '#795548',
};

/** Where a character stands: feet centre `(x, baseY)` and a scale (1 is about 300 px tall). */
export interface CharacterPlacement {
  x: number;
  baseY: number;
  scale: number;
  /** Draw the name under the character. Default true. */
  label?: boolean;
  /** How the face is drawn (the `face_style` parameter). Default `round_friendly`. */
  faceStyle?: FaceStyle;
}

/** How faces are drawn: round eyes with irises, plain dots, or detailed eyes with highlights and brows. */
export type FaceStyle = 'round_friendly' | 'simple_dots' | 'detailed';

/** SVG markup of one character (a `<g>`), in the scene's 1024-unit coordinates. */
export function drawCharacter(look: CharacterLook, placement: CharacterPlacement): string {
  const archetype = archetypeOf(look);
  const text = words(look);
  const [body = '#999999', clothing = '#555555', accent = '#dddddd'] = look.colorPalette;
  const hair = look.colorPalette[3] ?? shade(body, -0.35);
  const outline = '#2b2b2b';
  const parts: string[] = [];
  const stroke = `stroke="${outline}" stroke-width="4"`;
  const has = (...keys: string[]) => keys.some((key) => hasWord(text, key));
  const species = (look.species ?? '').toLowerCase();

  // Coordinates relative to the feet centre, y up is negative; scaled by the group transform.
  const bodyCy = -95;
  const headCy = -225;
  const headR = archetype === 'robot' ? 58 : 62;

  parts.push('<ellipse cx="0" cy="0" rx="85" ry="14" fill="#000000" fill-opacity="0.18"/>');

  // Behind the body: tail, wings, cape.
  if (archetype === 'animal' && !has('no tail')) {
    const bushy = has('bushy', 'fluffy tail') || species === 'fox' || species === 'squirrel';
    parts.push(
      bushy
        ? `<ellipse cx="82" cy="-70" rx="30" ry="62" transform="rotate(35 82 -70)" fill="${body}" ${stroke}/>`
        : `<path d="M55 -60 Q110 -70 105 -130" fill="none" stroke="${body}" stroke-width="14" stroke-linecap="round"/>`,
    );
  }
  if (archetype === 'bird' || has('wing') || species === 'dragon' || has('fairy')) {
    parts.push(
      `<ellipse cx="-78" cy="-120" rx="30" ry="58" transform="rotate(-25 -78 -120)" fill="${accent}" ${stroke}/>`,
    );
    parts.push(
      `<ellipse cx="78" cy="-120" rx="30" ry="58" transform="rotate(25 78 -120)" fill="${accent}" ${stroke}/>`,
    );
  }
  if (has('cape', 'cloak')) {
    parts.push(`<path d="M-62 -165 L62 -165 L86 -20 L-86 -20 Z" fill="${clothing}" ${stroke}/>`);
  }

  // Feet and body.
  const footColour = has('boots', 'shoes', 'sneakers', 'slippers') ? clothing : body;
  parts.push(`<ellipse cx="-32" cy="-8" rx="26" ry="13" fill="${footColour}" ${stroke}/>`);
  parts.push(`<ellipse cx="32" cy="-8" rx="26" ry="13" fill="${footColour}" ${stroke}/>`);
  if (archetype === 'robot') {
    parts.push(`<rect x="-66" y="-180" width="132" height="165" rx="18" fill="${body}" ${stroke}/>`);
  } else {
    parts.push(`<ellipse cx="0" cy="${bodyCy}" rx="70" ry="88" fill="${body}" ${stroke}/>`);
  }

  // Clothing: a dress, or a top band clipped to the body (always drawn so the clothing colour shows).
  if (has('dress', 'skirt', 'gown')) {
    parts.push(`<path d="M-46 -160 L46 -160 L80 -20 L-80 -20 Z" fill="${clothing}" ${stroke}/>`);
  } else if (archetype === 'robot') {
    parts.push(`<rect x="-40" y="-150" width="80" height="60" rx="8" fill="${clothing}" ${stroke}/>`);
  } else {
    parts.push(`<path d="M-68 -130 Q0 -112 68 -130 L62 -66 Q0 -50 -62 -66 Z" fill="${clothing}" ${stroke}/>`);
  }
  // Two buttons in the accent colour on every character, so the whole palette shows on every page.
  parts.push(
    `<circle cx="0" cy="-112" r="9" fill="${accent}" ${stroke}/><circle cx="0" cy="-84" r="9" fill="${accent}" ${stroke}/>`,
  );
  if (has('spots', 'spotted', 'dots', 'dotted')) {
    for (const [dx, dy] of [
      [-30, -50],
      [25, -40],
      [0, -30],
    ] as const) {
      parts.push(`<circle cx="${dx}" cy="${dy}" r="9" fill="${accent}"/>`);
    }
  }
  if (has('stripe')) {
    for (const dy of [-45, -30]) {
      parts.push(`<rect x="-50" y="${dy}" width="100" height="7" fill="${accent}"/>`);
    }
  }
  if (has('overalls', 'belt')) parts.push(`<rect x="-62" y="-72" width="124" height="10" fill="${accent}"/>`);
  if (has('scarf', 'necktie', 'bow tie', 'bowtie')) {
    parts.push(
      `<path d="M-52 -176 Q0 -160 52 -176 L52 -160 Q0 -144 -52 -160 Z" fill="${accent}" ${stroke}/>`,
    );
  }
  if (has('backpack', 'bag', 'satchel')) {
    parts.push(`<rect x="54" y="-140" width="34" height="60" rx="8" fill="${clothing}" ${stroke}/>`);
  }

  // Arms.
  if (archetype !== 'bird') {
    parts.push(
      `<ellipse cx="-76" cy="-110" rx="14" ry="38" transform="rotate(20 -76 -110)" fill="${body}" ${stroke}/>`,
    );
    parts.push(
      `<ellipse cx="76" cy="-110" rx="14" ry="38" transform="rotate(-20 76 -110)" fill="${body}" ${stroke}/>`,
    );
  }

  // Ears behind the head.
  if (archetype === 'animal') {
    if (has('long ears', 'floppy ears') || species === 'rabbit' || species === 'bunny') {
      parts.push(`<ellipse cx="-26" cy="${headCy - 80}" rx="16" ry="48" fill="${body}" ${stroke}/>`);
      parts.push(`<ellipse cx="26" cy="${headCy - 80}" rx="16" ry="48" fill="${body}" ${stroke}/>`);
      parts.push(`<ellipse cx="-26" cy="${headCy - 80}" rx="7" ry="32" fill="${accent}"/>`);
      parts.push(`<ellipse cx="26" cy="${headCy - 80}" rx="7" ry="32" fill="${accent}"/>`);
    } else if (has('pointy ears', 'pointed ears') || ['fox', 'cat', 'kitten', 'dragon'].includes(species)) {
      parts.push(
        `<path d="M-52 ${headCy - 30} L-36 ${headCy - 95} L-10 ${headCy - 55} Z" fill="${body}" ${stroke}/>`,
      );
      parts.push(
        `<path d="M52 ${headCy - 30} L36 ${headCy - 95} L10 ${headCy - 55} Z" fill="${body}" ${stroke}/>`,
      );
      parts.push(
        `<path d="M-42 ${headCy - 45} L-36 ${headCy - 78} L-22 ${headCy - 55} Z" fill="${accent}"/>`,
      );
      parts.push(`<path d="M42 ${headCy - 45} L36 ${headCy - 78} L22 ${headCy - 55} Z" fill="${accent}"/>`);
    } else {
      parts.push(`<circle cx="-46" cy="${headCy - 48}" r="22" fill="${body}" ${stroke}/>`);
      parts.push(`<circle cx="46" cy="${headCy - 48}" r="22" fill="${body}" ${stroke}/>`);
      parts.push(`<circle cx="-46" cy="${headCy - 48}" r="10" fill="${accent}"/>`);
      parts.push(`<circle cx="46" cy="${headCy - 48}" r="10" fill="${accent}"/>`);
    }
  }
  if (archetype === 'robot') {
    parts.push(
      `<line x1="0" y1="${headCy - 58}" x2="0" y2="${headCy - 95}" stroke="${outline}" stroke-width="5"/>`,
    );
    parts.push(`<circle cx="0" cy="${headCy - 100}" r="10" fill="${accent}" ${stroke}/>`);
  }

  // Head.
  if (archetype === 'robot') {
    parts.push(
      `<rect x="${-headR}" y="${headCy - headR}" width="${headR * 2}" height="${headR * 2 - 10}" rx="14" fill="${body}" ${stroke}/>`,
    );
  } else {
    parts.push(`<circle cx="0" cy="${headCy}" r="${headR}" fill="${body}" ${stroke}/>`);
  }
  if (archetype === 'person') {
    if (has('curly')) {
      for (const dx of [-44, -22, 0, 22, 44])
        parts.push(`<circle cx="${dx}" cy="${headCy - 52}" r="20" fill="${hair}"/>`);
    } else {
      parts.push(
        `<path d="M-62 ${headCy - 4} Q-60 ${headCy - 74} 0 ${headCy - 70} Q60 ${headCy - 74} 62 ${headCy - 4} Q30 ${headCy - 40} -62 ${headCy - 4} Z" fill="${hair}"/>`,
      );
    }
    if (has('ponytail', 'pigtail', 'braid')) {
      parts.push(`<ellipse cx="-70" cy="${headCy - 10}" rx="14" ry="30" fill="${hair}" ${stroke}/>`);
      parts.push(`<ellipse cx="70" cy="${headCy - 10}" rx="14" ry="30" fill="${hair}" ${stroke}/>`);
    }
  }
  if (species === 'unicorn' || has('horn')) {
    parts.push(
      `<path d="M-12 ${headCy - 56} L0 ${headCy - 120} L12 ${headCy - 56} Z" fill="${accent}" ${stroke}/>`,
    );
  }

  // Face.
  const eyeR = has('big eyes', 'large eyes', 'round eyes') || archetype === 'bird' ? 15 : 11;
  const iris = eyeColour(text);
  const faceStyle = placement.faceStyle ?? 'round_friendly';
  for (const dx of [-22, 22]) {
    if (faceStyle === 'simple_dots') {
      parts.push(`<circle cx="${dx}" cy="${headCy - 6}" r="7" fill="${outline}"/>`);
      continue;
    }
    parts.push(`<circle cx="${dx}" cy="${headCy - 8}" r="${eyeR}" fill="#ffffff" ${stroke}/>`);
    parts.push(`<circle cx="${dx + 2}" cy="${headCy - 6}" r="${Math.round(eyeR * 0.55)}" fill="${iris}"/>`);
    if (faceStyle === 'detailed') {
      parts.push(
        `<circle cx="${dx + 5}" cy="${headCy - 10}" r="${Math.max(2, Math.round(eyeR * 0.2))}" fill="#ffffff"/>`,
      );
      parts.push(
        `<path d="M${dx - 12} ${headCy - 8 - eyeR - 8} Q${dx} ${headCy - 8 - eyeR - 16} ${dx + 12} ${headCy - 8 - eyeR - 8}" fill="none" stroke="${outline}" stroke-width="4" stroke-linecap="round"/>`,
      );
    }
  }
  if (has('glasses', 'spectacles')) {
    parts.push(
      `<g fill="none" stroke="${outline}" stroke-width="4"><circle cx="-22" cy="${headCy - 8}" r="${eyeR + 7}"/><circle cx="22" cy="${headCy - 8}" r="${eyeR + 7}"/><line x1="${-22 + eyeR + 7}" y1="${headCy - 8}" x2="${22 - eyeR - 7}" y2="${headCy - 8}"/></g>`,
    );
  }
  if (archetype === 'bird') {
    parts.push(
      `<path d="M-12 ${headCy + 12} L12 ${headCy + 12} L0 ${headCy + 34} Z" fill="${accent}" ${stroke}/>`,
    );
  } else if (archetype === 'animal') {
    parts.push(`<ellipse cx="0" cy="${headCy + 18}" rx="10" ry="7" fill="${outline}"/>`);
    parts.push(
      `<path d="M-14 ${headCy + 32} Q0 ${headCy + 42} 14 ${headCy + 32}" fill="none" stroke="${outline}" stroke-width="3"/>`,
    );
    if (has('whisker') || ['cat', 'kitten', 'fox', 'mouse'].includes(species)) {
      parts.push(
        `<g stroke="${outline}" stroke-width="2"><line x1="-20" y1="${headCy + 22}" x2="-56" y2="${headCy + 14}"/><line x1="-20" y1="${headCy + 26}" x2="-56" y2="${headCy + 30}"/><line x1="20" y1="${headCy + 22}" x2="56" y2="${headCy + 14}"/><line x1="20" y1="${headCy + 26}" x2="56" y2="${headCy + 30}"/></g>`,
      );
    }
  } else if (archetype === 'robot') {
    parts.push(`<rect x="-20" y="${headCy + 24}" width="40" height="8" rx="3" fill="${outline}"/>`);
  } else {
    parts.push(
      `<path d="M-16 ${headCy + 24} Q0 ${headCy + 38} 16 ${headCy + 24}" fill="none" stroke="${outline}" stroke-width="4" stroke-linecap="round"/>`,
    );
  }
  if (has('rosy', 'blush', 'cheeks')) {
    parts.push(`<circle cx="-38" cy="${headCy + 16}" r="9" fill="#f48fb1" fill-opacity="0.7"/>`);
    parts.push(`<circle cx="38" cy="${headCy + 16}" r="9" fill="#f48fb1" fill-opacity="0.7"/>`);
  }

  // Headwear.
  if (has('crown', 'tiara')) {
    parts.push(
      `<path d="M-40 ${headCy - 54} L-40 ${headCy - 92} L-20 ${headCy - 70} L0 ${headCy - 98} L20 ${headCy - 70} L40 ${headCy - 92} L40 ${headCy - 54} Z" fill="${accent}" ${stroke}/>`,
    );
  } else if (has('hat', 'cap', 'beanie', 'helmet', 'hood')) {
    parts.push(
      `<path d="M-60 ${headCy - 38} Q0 ${headCy - 120} 60 ${headCy - 38} Z" fill="${clothing}" ${stroke}/>`,
    );
    parts.push(
      `<rect x="-70" y="${headCy - 44}" width="140" height="12" rx="6" fill="${clothing}" ${stroke}/>`,
    );
  } else if (has('bow', 'ribbon', 'flower in')) {
    parts.push(
      `<path d="M0 ${headCy - 60} L-26 ${headCy - 76} L-26 ${headCy - 44} Z M0 ${headCy - 60} L26 ${headCy - 76} L26 ${headCy - 44} Z" fill="${accent}" ${stroke}/>`,
    );
  }

  // Distinctive marks, last so they are never hidden.
  for (const mark of look.distinctiveMarks) parts.push(drawMark(mark, { archetype, headCy, accent, body }));

  if (placement.label !== false) {
    parts.push(
      `<text x="0" y="32" text-anchor="middle" font-family="DejaVu Sans" font-size="26" font-weight="bold" fill="#222222" stroke="#ffffff" stroke-width="5" paint-order="stroke">${escapeXml(look.name)}</text>`,
    );
  }
  const { x, baseY, scale } = placement;
  return `<g transform="translate(${round(x)} ${round(baseY)}) scale(${round(scale)})">${parts.join('')}</g>`;
}

function drawMark(
  mark: string,
  frame: { archetype: CharacterArchetype; headCy: number; accent: string; body: string },
): string {
  const text = mark.toLowerCase();
  const { headCy } = frame;
  const left = text.includes('left');
  const side = left ? -1 : 1;
  let cx = 0;
  let cy = -110;
  if (/\bears?\b/.test(text)) {
    cx = 44 * side;
    cy = headCy - 52;
  } else if (text.includes('cheek')) {
    cx = 38 * side;
    cy = headCy + 18;
  } else if (/\b(forehead|head|brow)\b/.test(text)) {
    cy = headCy - 36;
  } else if (/\beyes?\b/.test(text)) {
    cx = 22 * side;
    cy = headCy - 30;
  } else if (text.includes('tail')) {
    cx = 100;
    cy = -120;
  } else if (/\b(paws?|hands?|arms?|wrists?)\b/.test(text)) {
    cx = 86 * side;
    cy = -80;
  } else if (/\b(knees?|legs?|foot|feet)\b/.test(text)) {
    cx = 32 * side;
    cy = -20;
  }
  const namedColour = Object.keys(NAMED_COLOURS).find((name) => new RegExp(`\\b${name}\\b`).test(text));
  const fill = namedColour ? (NAMED_COLOURS[namedColour] as string) : frame.accent;
  const stroke = 'stroke="#2b2b2b" stroke-width="2.5"';
  if (text.includes('star')) return `<path d="${starPath(cx, cy, 17, 7)}" fill="${fill}" ${stroke}/>`;
  if (text.includes('heart')) {
    return `<path d="M${cx} ${cy + 12} C${cx - 26} ${cy - 6} ${cx - 10} ${cy - 22} ${cx} ${cy - 8} C${cx + 10} ${cy - 22} ${cx + 26} ${cy - 6} ${cx} ${cy + 12} Z" fill="${fill}" ${stroke}/>`;
  }
  if (text.includes('moon') || text.includes('crescent')) {
    return `<path d="M${cx + 6} ${cy - 16} A16 16 0 1 0 ${cx + 6} ${cy + 16} A12 12 0 1 1 ${cx + 6} ${cy - 16} Z" fill="${fill}" ${stroke}/>`;
  }
  if (text.includes('freckle')) {
    return [-12, 0, 12]
      .map(
        (dx, index) =>
          `<circle cx="${cx + dx}" cy="${cy + (index % 2) * 5}" r="4" fill="${shade(frame.body, -0.4)}"/>`,
      )
      .join('');
  }
  if (text.includes('lightning') || text.includes('bolt') || text.includes('zigzag')) {
    return `<path d="M${cx - 6} ${cy - 18} L${cx + 8} ${cy - 18} L${cx + 1} ${cy - 3} L${cx + 10} ${cy - 3} L${cx - 8} ${cy + 20} L${cx - 2} ${cy + 3} L${cx - 10} ${cy + 3} Z" fill="${fill}" ${stroke}/>`;
  }
  if (text.includes('stripe') || text.includes('band')) {
    return `<rect x="${cx - 20}" y="${cy - 5}" width="40" height="10" rx="4" fill="${fill}" ${stroke}/>`;
  }
  if (text.includes('flower')) {
    const petals = [0, 72, 144, 216, 288]
      .map((angle) => {
        const radians = (angle * Math.PI) / 180;
        return `<circle cx="${round(cx + Math.cos(radians) * 9)}" cy="${round(cy + Math.sin(radians) * 9)}" r="7" fill="${fill}"/>`;
      })
      .join('');
    return `${petals}<circle cx="${cx}" cy="${cy}" r="5" fill="#fdd835"/>`;
  }
  if (text.includes('patch') || text.includes('spot') || text.includes('mark')) {
    return `<ellipse cx="${cx}" cy="${cy}" rx="17" ry="13" fill="${fill}" ${stroke}/>`;
  }
  return `<path d="M${cx} ${cy - 16} L${cx + 14} ${cy} L${cx} ${cy + 16} L${cx - 14} ${cy} Z" fill="${fill}" ${stroke}/>`;
}

function starPath(cx: number, cy: number, outer: number, inner: number): string {
  const points: string[] = [];
  for (let index = 0; index < 10; index++) {
    const radius = index % 2 === 0 ? outer : inner;
    const angle = -Math.PI / 2 + (index * Math.PI) / 5;
    points.push(`${round(cx + Math.cos(angle) * radius)} ${round(cy + Math.sin(angle) * radius)}`);
  }
  return `M${points.join(' L')} Z`;
}

/** True when a word of `text` starts with `key` (`spot` matches `spots`, `ear` does not match `heart`). */
function hasWord(text: string, key: string): boolean {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\b${escaped}`).test(text);
}

function eyeColour(text: string): string {
  for (const [name, hex] of Object.entries(NAMED_COLOURS)) {
    if (text.includes(`${name} eyes`)) return hex;
  }
  return '#1f1f1f';
}

function words(look: CharacterLook): string {
  return [look.species ?? '', ...look.physicalFeatures, ...look.clothing].join(' ').toLowerCase();
}

/** Lightens (amount > 0) or darkens (amount < 0) a `#rrggbb` colour. */
export function shade(hex: string, amount: number): string {
  const value = Number.parseInt(hex.slice(1), 16);
  const channel = (shift: number) => {
    const c = (value >> shift) & 0xff;
    const next = amount < 0 ? c * (1 + amount) : c + (255 - c) * amount;
    return Math.max(0, Math.min(255, Math.round(next)))
      .toString(16)
      .padStart(2, '0');
  };
  return `#${channel(16)}${channel(8)}${channel(0)}`;
}

/** Characters XML 1.0 does not allow at all (control characters, lone surrogates): the SVG parser refuses them. */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text for SVG content and attributes, dropping the characters XML cannot hold. */
export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML, '')
    .replace(/[<>&"']/g, (char) =>
      char === '<'
        ? '&lt;'
        : char === '>'
          ? '&gt;'
          : char === '&'
            ? '&amp;'
            : char === '"'
              ? '&quot;'
              : '&apos;',
    );
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
