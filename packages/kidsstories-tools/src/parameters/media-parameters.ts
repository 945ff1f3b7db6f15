import { decimal, defineCategory, flag, integer, oneOf, oneOfList, text } from './parameter-spec.js';

/** Image synthesis: look and framing of the page illustrations (28 parameters). */
export const IMAGE_PARAMETERS = defineCategory('image_synthesis', {
  style_prompt: text({
    default: "soft watercolor children's picture book illustration, gentle shapes",
    maxLength: 400,
    applied: { cloud: 'Opens the image prompt.' },
    doc: 'Style sentence added to every image prompt.',
  }),
  character_guide: oneOf(['strict', 'loose', 'off'], {
    default: 'strict',
    applied: {
      offline:
        "strict draws each character's guide colours, clothing item and mark; loose only the colours; off neither, in neutral greys.",
      cloud:
        "strict asks for the guide's look exactly, loose roughly; off leaves the guide out of the prompt.",
    },
    doc: 'How closely every picture follows the character guide.',
  }),
  composition_rules: oneOfList(
    ['rule_of_thirds', 'centered_subject', 'leave_text_space', 'wide_establishing', 'eye_level_framing'],
    {
      default: ['rule_of_thirds', 'leave_text_space'],
      minItems: 0,
      maxItems: 5,
      applied: {
        offline:
          'centered_subject centres the characters; rule_of_thirds stands them on a third; with neither their place is seeded.',
        cloud: 'One sentence per rule in the prompt.',
      },
      doc: 'Composition rules stated in every image prompt.',
    },
  ),
  color_enforcement: oneOf(['strict', 'prefer', 'off'], {
    default: 'strict',
    applied: {
      offline:
        'strict paints the guide colours as they are; prefer softens them toward white; off paints characters in neutral greys.',
      cloud: 'A sentence requiring, preferring or freeing the guide colours.',
    },
    doc: "Whether each character's palette is required, preferred or free.",
  }),
  size_spec: oneOf(['1024x1024', '1024x1792', '1792x1024', '768x768', '512x512'], {
    default: '1024x1024',
    applied: {
      offline: "The picture's size.",
      cloud: '`size` of the request; 768x768 and 512x512 are requested at 1024x1024 and scaled down.',
    },
    doc: 'Image size in pixels, width x height.',
  }),
  image_quality: oneOf(['standard', 'hd'], {
    default: 'standard',
    applied: {
      offline: 'hd encodes JPEG and WebP at quality 95 instead of 85 (PNG is lossless).',
      cloud: '`quality` of the request (`hd` is priced as dall-e-3-hd).',
    },
    doc: 'Image model quality setting.',
  }),
  image_style: oneOf(['natural', 'vivid'], {
    default: 'natural',
    applied: { offline: 'vivid raises saturation and contrast a step.', cloud: '`style` of the request.' },
    doc: 'Image model style setting.',
  }),
  art_medium: oneOf(['watercolor', 'crayon', 'digital_paint', 'paper_cutout', 'pencil', 'gouache'], {
    default: 'watercolor',
    applied: {
      offline:
        'Chooses the paper texture (washes, crayon strokes, hatching, fibres, dots, or none for digital_paint).',
      cloud: 'Names the medium in the prompt.',
    },
    doc: 'Medium the pictures imitate.',
  }),
  line_weight: oneOf(['thin', 'medium', 'bold'], {
    default: 'medium',
    applied: {
      offline: 'Scales every outline: thin 0.5x, bold 2x.',
      cloud: 'Asks for thin, medium or bold outlines.',
    },
    doc: 'Outline thickness.',
  }),
  background_detail: oneOf(['minimal', 'moderate', 'rich'], {
    default: 'moderate',
    applied: {
      offline: 'minimal drops the backdrop and decorations; rich draws them twice.',
      cloud: 'Asks for minimal, moderate or rich scenery.',
    },
    doc: 'How much scenery is drawn behind the characters.',
  }),
  lighting: oneOf(['soft_daylight', 'golden_hour', 'night_glow', 'overcast'], {
    default: 'soft_daylight',
    applied: {
      offline: 'A colour wash over the picture (warm, night blue, grey).',
      cloud: 'Names the light in the prompt.',
    },
    doc: 'Light of the scene.',
  }),
  camera_angle: oneOf(['eye_level', 'low', 'high', 'birds_eye'], {
    default: 'eye_level',
    applied: {
      offline: 'Moves the horizon: low shows more sky, high and birds_eye more ground.',
      cloud: 'Names the viewpoint in the prompt.',
    },
    doc: 'Viewpoint height.',
  }),
  shot_type: oneOf(['close_up', 'medium', 'wide'], {
    default: 'medium',
    applied: {
      offline: 'close_up zooms onto the characters; wide pulls back.',
      cloud: 'Names the framing in the prompt.',
    },
    doc: 'How much of the scene is framed.',
  }),
  palette_saturation: decimal({
    default: 0.7,
    min: 0,
    max: 1,
    applied: {
      offline: 'A saturation filter (0.7 leaves the colours as drawn).',
      cloud: 'Asks for muted or saturated colours.',
    },
    doc: 'Colour saturation, 0 grey to 1 full.',
  }),
  palette_warmth: decimal({
    default: 0.2,
    min: -1,
    max: 1,
    applied: {
      offline: 'A warm or cool colour shift (0.2 leaves the colours as drawn).',
      cloud: 'Asks for cool or warm colours.',
    },
    doc: 'Colour temperature, -1 cool to 1 warm.',
  }),
  contrast: decimal({
    default: 0.5,
    min: 0,
    max: 1,
    applied: {
      offline: 'A contrast curve (0.5 leaves the colours as drawn).',
      cloud: 'Asks for soft or strong contrast.',
    },
    doc: 'Tonal contrast, 0 flat to 1 strong.',
  }),
  text_in_image: flag({
    default: false,
    applied: {
      offline: 'true draws the page text as a caption.',
      cloud: 'Allows or forbids lettering in the prompt.',
    },
    doc: 'Whether pictures may contain lettering.',
  }),
  negative_prompt: text({
    default: 'no text, no watermark, no scary faces, no weapons',
    maxLength: 400,
    applied: { cloud: 'An "Avoid:" line in the prompt.' },
    doc: 'What pictures must not show.',
  }),
  characters_per_image_max: integer({
    default: 3,
    min: 1,
    max: 4,
    applied: {
      offline: "The tool draws at most this many of the page's characters.",
      cloud: 'The tool names at most this many characters in the prompt.',
    },
    doc: 'Most characters drawn in one picture.',
  }),
  images_per_page: integer({
    default: 1,
    min: 1,
    max: 4,
    applied: {
      offline:
        'The tool makes this many pictures (seeds seed, seed+1, ...); the first is the page picture, the rest come back as alternatives.',
      cloud: 'The tool sends this many requests; the first picture is the page picture.',
    },
    doc: 'Pictures generated per page (the first is used).',
  }),
  seed_lock: flag({
    default: true,
    applied: {
      offline:
        "true draws every page with the call's seed; false derives one seed per page from it and the page number.",
    },
    doc: 'Use one image seed for every page so the style stays stable.',
  }),
  image_safety_level: oneOf(['strict', 'standard'], {
    default: 'strict',
    applied: {
      offline:
        "strict checks the prompt with the youngest band's rules; standard with the age_band parameter's.",
      cloud: 'The same gate runs before the request.',
    },
    doc: 'Safety gate level applied to image prompts.',
  }),
  output_format: oneOf(['png', 'webp', 'jpeg'], {
    default: 'png',
    applied: {
      offline: 'PNG from resvg, or WebP/JPEG encoded with sharp.',
      cloud: "The model's PNG is converted with sharp.",
    },
    doc: 'Image file format.',
  }),
  border_style: oneOf(['none', 'rounded', 'storybook_frame'], {
    default: 'none',
    applied: { offline: 'Draws a rounded or storybook frame.', cloud: 'Asks for the frame in the prompt.' },
    doc: 'Frame around the picture.',
  }),
  texture_grain: decimal({
    default: 0.2,
    min: 0,
    max: 1,
    applied: {
      offline: 'Strength of the paper texture overlay.',
      cloud: 'Asks for a paper texture of this strength.',
    },
    doc: 'Paper texture strength.',
  }),
  face_style: oneOf(['round_friendly', 'simple_dots', 'detailed'], {
    default: 'round_friendly',
    applied: {
      offline:
        "round_friendly keeps the emoji set's faces; simple_dots and detailed draw shape-built figures with dot or detailed eyes.",
      cloud: 'Describes the faces in the prompt.',
    },
    doc: 'How faces are drawn.',
  }),
  perspective_depth: oneOf(['flat', 'layered', 'deep'], {
    default: 'layered',
    applied: {
      offline: 'flat drops the horizon shading; deep adds haze over the distance.',
      cloud: 'Asks for flat, layered or deep scenery.',
    },
    doc: 'Depth of the scenery.',
  }),
  prompt_max_chars: integer({
    default: 1000,
    min: 100,
    max: 4000,
    applied: { cloud: 'The prompt is cut to this many characters.' },
    doc: 'Longest image prompt sent, in characters.',
  }),
});

/** Audio production: the narration (11 parameters). */
export const AUDIO_PARAMETERS = defineCategory('audio_production', {
  voice_id: oneOf(['nova', 'alloy', 'echo', 'fable', 'onyx', 'shimmer', 'sage', 'slt', 'rms'], {
    default: 'nova',
    applied: {
      offline: 'slt or rms (OpenAI names map to the nearer Flite voice).',
      cloud: '`voice` of the request (slt/rms map to nova/onyx).',
    },
    doc: 'Narrator voice (cloud voices, or slt/rms offline).',
  }),
  sample_rate: oneOf([16_000, 22_050, 24_000, 44_100, 48_000], {
    default: 24_000,
    applied: { offline: 'The MP3 or WAV sample rate.' },
    doc: 'Output sample rate in Hz.',
  }),
  emotion_mapping: oneOf(['none', 'auto', 'expressive'], {
    default: 'auto',
    applied: {
      offline: 'Pitch variation: none nearly flat (0.3x), expressive doubled.',
      cloud: 'A sentence of the `instructions`.',
    },
    doc: 'How the narration follows the mood of each page.',
  }),
  pacing_multiplier: decimal({
    default: 0.9,
    min: 0.5,
    max: 2,
    applied: { offline: "Flite's duration stretch (1 / speed).", cloud: '`speed` of the request.' },
    doc: 'Speaking speed, 1 is normal.',
  }),
  expression_intensity: decimal({
    default: 0.5,
    min: 0,
    max: 1,
    applied: { offline: 'Scales the pitch variation.', cloud: 'A sentence of the `instructions`.' },
    doc: 'Strength of vocal expression.',
  }),
  audio_format: oneOf(['mp3', 'wav', 'opus'], {
    default: 'mp3',
    applied: {
      offline: 'mp3 (LAME) or wav; opus fails with a clear error (no offline Opus encoder).',
      cloud: '`response_format` of the request.',
    },
    doc: 'Narration file format.',
  }),
  bitrate_kbps: integer({
    default: 48,
    min: 32,
    max: 192,
    applied: { offline: 'LAME bit rate (nearest rate LAME offers; at most 160 below 32 kHz).' },
    doc: 'Encoded bit rate in kbit/s.',
  }),
  channels: oneOf([1, 2], {
    default: 1,
    applied: { offline: '2 encodes the voice on both channels.' },
    doc: 'Audio channels (1 mono, 2 stereo).',
  }),
  page_pause_ms: integer({
    default: 800,
    min: 0,
    max: 5000,
    applied: { offline: 'Silence appended after the voice.' },
    doc: 'Silence after each page, in milliseconds.',
  }),
  loudness_target_lufs: decimal({
    default: -16,
    min: -30,
    max: -10,
    applied: { offline: 'Gain toward the target, measured as gated RMS (an approximation of LUFS).' },
    doc: 'Integrated loudness target in LUFS.',
  }),
  narration_style: oneOf(['storyteller', 'calm_bedtime', 'playful'], {
    default: 'storyteller',
    applied: {
      offline: 'Pitch: calm_bedtime lower, playful higher.',
      cloud: 'A sentence of the `instructions`.',
    },
    doc: 'Delivery instructions given to the voice.',
  }),
});

/** Video animation: the page clips (16 parameters). */
export const VIDEO_PARAMETERS = defineCategory('video_animation', {
  motion_type: oneOf(['ken_burns', 'pan', 'zoom_in', 'zoom_out', 'parallax', 'gentle_sway'], {
    default: 'ken_burns',
    applied: {
      offline:
        'The camera path (pan travels sideways, parallax drifts and zooms, gentle_sway rocks side to side).',
      cloud: 'Describes the motion in `positivePrompt`.',
    },
    doc: 'Camera or scene motion of a clip.',
  }),
  duration_sec: integer({
    default: 5,
    min: 5,
    max: 10,
    applied: {
      offline: 'Clip length when no narration is muxed in (a narrated clip lasts as long as its voice).',
      cloud: "`duration` of the task and the model's billed duration.",
    },
    doc: 'Clip length in seconds.',
  }),
  model_tier: oneOf(['auto', 'economy', 'standard', 'premium'], {
    default: 'auto',
    applied: {
      cloud:
        "auto takes quality_preset's tier and lets the budget lower it; economy, standard or premium pick that tier and never go below it.",
    },
    doc: 'Video model tier; auto follows budget advice.',
  }),
  cost_ceiling: decimal({
    default: 0.5,
    min: 0,
    max: 5,
    applied: { cloud: 'Models whose estimated clip cost is above it are not chosen.' },
    doc: 'Most USD spent on one clip.',
  }),
  quality_preset: oneOf(['draft', 'standard', 'high'], {
    default: 'standard',
    applied: { cloud: 'The least tier (draft economy, standard, high premium) when model_tier is auto.' },
    doc: 'Least quality a model must offer.',
  }),
  fps: oneOf([12, 24, 30], {
    default: 24,
    applied: { offline: 'Frames per second of the encoded clip.', cloud: '`fps` of the task.' },
    doc: 'Frames per second.',
  }),
  video_resolution: oneOf(['512x512', '768x768', '1024x1024'], {
    default: '1024x1024',
    applied: { offline: 'Clip size in pixels.', cloud: '`width` and `height` of the task.' },
    doc: "Clip size in pixels; the default is the pictures' own size (size_spec 1024x1024).",
  }),
  video_codec: oneOf(['h264'], {
    default: 'h264',
    applied: {
      offline: 'H.264 is the only codec; reported in the clip output.',
      cloud: '`outputFormat` MP4 (H.264); reported in the clip output.',
    },
    doc: 'Video codec of the MP4.',
  }),
  motion_intensity: decimal({
    default: 0.4,
    min: 0,
    max: 1,
    applied: {
      offline:
        'How far the camera moves (strongest zoom 1 + 0.75 x intensity) and how far and lively the characters walk in.',
      cloud: 'Describes the strength in `positivePrompt`.',
    },
    doc: 'How far the camera moves, 0 still to 1 strong.',
  }),
  easing: oneOf(['linear', 'ease_in_out', 'ease_out'], {
    default: 'ease_in_out',
    applied: {
      offline: "The curve of the camera path and of each character's walk.",
      cloud: 'Describes the easing in `positivePrompt`.',
    },
    doc: 'Motion easing curve.',
  }),
  clips_per_story: integer({
    default: 2,
    min: 0,
    max: 24,
    applied: {
      offline:
        'batch_render renders the first N clips and reports the rest as skipped; the pipeline animates N pages.',
      cloud: 'The same.',
    },
    doc: 'Pages that get a clip (first pages first).',
  }),
  loop: flag({
    default: false,
    applied: {
      offline: 'The camera returns to its start framing; the characters stay in their places and hop there.',
      cloud: 'The picture is also sent as the last frame.',
    },
    doc: 'Whether a clip ends where it starts.',
  }),
  transition_style: oneOf(['cut', 'crossfade', 'fade_black'], {
    default: 'crossfade',
    applied: {
      offline: "Carried in each clip's output for a player (no frames change).",
      cloud: 'The same.',
    },
    doc: 'Transition between clips in a player.',
  }),
  fallback_on_rate_limit: flag({
    default: true,
    applied: { cloud: 'false stops at the first model that answers 429 instead of trying cheaper ones.' },
    doc: 'Switch to a cheaper model on HTTP 429.',
  }),
  max_parallel_renders: integer({
    default: 2,
    min: 1,
    max: 8,
    applied: {
      offline: "batch_render's parallelism when the call gives no maxParallel.",
      cloud: 'The same.',
    },
    doc: 'Clips rendered at the same time.',
  }),
  start_hold_ms: integer({
    default: 300,
    min: 0,
    max: 2000,
    applied: {
      offline: 'The first frames hold the start framing and the characters still this long.',
      cloud: 'Describes the still start in `positivePrompt`.',
    },
    doc: 'Still frames before motion, in milliseconds.',
  }),
});
