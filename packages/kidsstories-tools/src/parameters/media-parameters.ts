import { decimal, defineCategory, flag, integer, oneOf, oneOfList, text } from './parameter-spec.js';

/** Image synthesis: look and framing of the page illustrations (28 parameters). */
export const IMAGE_PARAMETERS = defineCategory('image_synthesis', {
  style_prompt: text({
    default: "soft watercolor children's picture book illustration, gentle shapes",
    maxLength: 400,
    doc: 'Style sentence added to every image prompt.',
  }),
  character_guide: oneOf(['strict', 'loose', 'off'], {
    default: 'strict',
    doc: 'How closely every picture follows the character guide.',
  }),
  composition_rules: oneOfList(
    ['rule_of_thirds', 'centered_subject', 'leave_text_space', 'wide_establishing', 'eye_level_framing'],
    {
      default: ['rule_of_thirds', 'leave_text_space'],
      minItems: 0,
      maxItems: 5,
      doc: 'Composition rules stated in every image prompt.',
    },
  ),
  color_enforcement: oneOf(['strict', 'prefer', 'off'], {
    default: 'strict',
    doc: "Whether each character's palette is required, preferred or free.",
  }),
  size_spec: oneOf(['1024x1024', '1024x1792', '1792x1024', '768x768', '512x512'], {
    default: '1024x1024',
    doc: 'Image size in pixels, width x height.',
  }),
  image_quality: oneOf(['standard', 'hd'], { default: 'standard', doc: 'Image model quality setting.' }),
  image_style: oneOf(['natural', 'vivid'], { default: 'natural', doc: 'Image model style setting.' }),
  art_medium: oneOf(['watercolor', 'crayon', 'digital_paint', 'paper_cutout', 'pencil', 'gouache'], {
    default: 'watercolor',
    doc: 'Medium the pictures imitate.',
  }),
  line_weight: oneOf(['thin', 'medium', 'bold'], { default: 'medium', doc: 'Outline thickness.' }),
  background_detail: oneOf(['minimal', 'moderate', 'rich'], {
    default: 'moderate',
    doc: 'How much scenery is drawn behind the characters.',
  }),
  lighting: oneOf(['soft_daylight', 'golden_hour', 'night_glow', 'overcast'], {
    default: 'soft_daylight',
    doc: 'Light of the scene.',
  }),
  camera_angle: oneOf(['eye_level', 'low', 'high', 'birds_eye'], {
    default: 'eye_level',
    doc: 'Viewpoint height.',
  }),
  shot_type: oneOf(['close_up', 'medium', 'wide'], {
    default: 'medium',
    doc: 'How much of the scene is framed.',
  }),
  palette_saturation: decimal({ default: 0.7, min: 0, max: 1, doc: 'Colour saturation, 0 grey to 1 full.' }),
  palette_warmth: decimal({ default: 0.2, min: -1, max: 1, doc: 'Colour temperature, -1 cool to 1 warm.' }),
  contrast: decimal({ default: 0.5, min: 0, max: 1, doc: 'Tonal contrast, 0 flat to 1 strong.' }),
  text_in_image: flag({ default: false, doc: 'Whether pictures may contain lettering.' }),
  negative_prompt: text({
    default: 'no text, no watermark, no scary faces, no weapons',
    maxLength: 400,
    doc: 'What pictures must not show.',
  }),
  characters_per_image_max: integer({
    default: 3,
    min: 1,
    max: 4,
    doc: 'Most characters drawn in one picture.',
  }),
  images_per_page: integer({
    default: 1,
    min: 1,
    max: 4,
    doc: 'Pictures generated per page (the first is used).',
  }),
  seed_lock: flag({ default: true, doc: 'Use one image seed for every page so the style stays stable.' }),
  image_safety_level: oneOf(['strict', 'standard'], {
    default: 'strict',
    doc: 'Safety gate level applied to image prompts.',
  }),
  output_format: oneOf(['png', 'webp', 'jpeg'], { default: 'png', doc: 'Image file format.' }),
  border_style: oneOf(['none', 'rounded', 'storybook_frame'], {
    default: 'none',
    doc: 'Frame around the picture.',
  }),
  texture_grain: decimal({ default: 0.2, min: 0, max: 1, doc: 'Paper texture strength.' }),
  face_style: oneOf(['round_friendly', 'simple_dots', 'detailed'], {
    default: 'round_friendly',
    doc: 'How faces are drawn.',
  }),
  perspective_depth: oneOf(['flat', 'layered', 'deep'], { default: 'layered', doc: 'Depth of the scenery.' }),
  prompt_max_chars: integer({
    default: 1000,
    min: 100,
    max: 4000,
    doc: 'Longest image prompt sent, in characters.',
  }),
});

/** Audio production: the narration (11 parameters). */
export const AUDIO_PARAMETERS = defineCategory('audio_production', {
  voice_id: oneOf(['nova', 'alloy', 'echo', 'fable', 'onyx', 'shimmer', 'sage', 'slt', 'rms'], {
    default: 'nova',
    doc: 'Narrator voice (cloud voices, or slt/rms offline).',
  }),
  sample_rate: oneOf([16_000, 22_050, 24_000, 44_100, 48_000], {
    default: 24_000,
    doc: 'Output sample rate in Hz.',
  }),
  emotion_mapping: oneOf(['none', 'auto', 'expressive'], {
    default: 'auto',
    doc: 'How the narration follows the mood of each page.',
  }),
  pacing_multiplier: decimal({ default: 0.9, min: 0.5, max: 2, doc: 'Speaking speed, 1 is normal.' }),
  expression_intensity: decimal({ default: 0.5, min: 0, max: 1, doc: 'Strength of vocal expression.' }),
  audio_format: oneOf(['mp3', 'wav', 'opus'], { default: 'mp3', doc: 'Narration file format.' }),
  bitrate_kbps: integer({ default: 48, min: 32, max: 192, doc: 'Encoded bit rate in kbit/s.' }),
  channels: oneOf([1, 2], { default: 1, doc: 'Audio channels (1 mono, 2 stereo).' }),
  page_pause_ms: integer({
    default: 800,
    min: 0,
    max: 5000,
    doc: 'Silence after each page, in milliseconds.',
  }),
  loudness_target_lufs: decimal({
    default: -16,
    min: -30,
    max: -10,
    doc: 'Integrated loudness target in LUFS.',
  }),
  narration_style: oneOf(['storyteller', 'calm_bedtime', 'playful'], {
    default: 'storyteller',
    doc: 'Delivery instructions given to the voice.',
  }),
});

/** Video animation: the page clips (16 parameters). */
export const VIDEO_PARAMETERS = defineCategory('video_animation', {
  motion_type: oneOf(['ken_burns', 'pan', 'zoom_in', 'zoom_out', 'parallax', 'gentle_sway'], {
    default: 'ken_burns',
    doc: 'Camera or scene motion of a clip.',
  }),
  duration_sec: integer({ default: 5, min: 5, max: 10, doc: 'Clip length in seconds.' }),
  model_tier: oneOf(['auto', 'economy', 'standard', 'premium'], {
    default: 'auto',
    doc: 'Video model tier; auto follows budget advice.',
  }),
  cost_ceiling: decimal({ default: 0.5, min: 0, max: 5, doc: 'Most USD spent on one clip.' }),
  quality_preset: oneOf(['draft', 'standard', 'high'], {
    default: 'standard',
    doc: 'Least quality a model must offer.',
  }),
  fps: oneOf([12, 24, 30], { default: 24, doc: 'Frames per second.' }),
  video_resolution: oneOf(['512x512', '768x768', '1024x1024'], {
    default: '768x768',
    doc: 'Clip size in pixels.',
  }),
  video_codec: oneOf(['h264'], { default: 'h264', doc: 'Video codec of the MP4.' }),
  motion_intensity: decimal({
    default: 0.4,
    min: 0,
    max: 1,
    doc: 'How far the camera moves, 0 still to 1 strong.',
  }),
  easing: oneOf(['linear', 'ease_in_out', 'ease_out'], {
    default: 'ease_in_out',
    doc: 'Motion easing curve.',
  }),
  clips_per_story: integer({
    default: 2,
    min: 0,
    max: 24,
    doc: 'Pages that get a clip (first pages first).',
  }),
  loop: flag({ default: false, doc: 'Whether a clip ends where it starts.' }),
  transition_style: oneOf(['cut', 'crossfade', 'fade_black'], {
    default: 'crossfade',
    doc: 'Transition between clips in a player.',
  }),
  fallback_on_rate_limit: flag({ default: true, doc: 'Switch to a cheaper model on HTTP 429.' }),
  max_parallel_renders: integer({ default: 2, min: 1, max: 8, doc: 'Clips rendered at the same time.' }),
  start_hold_ms: integer({
    default: 300,
    min: 0,
    max: 2000,
    doc: 'Still frames before motion, in milliseconds.',
  }),
});
