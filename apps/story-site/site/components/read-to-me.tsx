/**
 * The "Read to me" control, rendered hidden: `/read-to-me.js` (site/public) shows it and plays the pages'
 * narration one after the other. The site ships no framework script (see docs/decisions/0007-story-site-no-runtime.md),
 * so reading works without JavaScript and the control appears only when it can work.
 */
export function ReadToMe() {
  return (
    <p className="read-to-me" hidden>
      <button type="button">Read to me</button>
      <span aria-live="polite" className="reading-status" />
    </p>
  );
}
