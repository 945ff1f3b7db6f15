// "Read to me" on a story page: plays each page's narration in turn, marks the page being read
// (aria-current="step", which the stylesheet highlights) and scrolls it into view. The button is rendered hidden,
// so a page without JavaScript has no dead button; this script shows it. The site ships no other script.
(() => {
  const control = document.querySelector('.read-to-me');
  const button = control?.querySelector('button');
  const status = control?.querySelector('.reading-status');
  if (!control || !button || !status) return;
  const pages = [...document.querySelectorAll('.page')];
  let current = null;

  const mark = (index) => {
    for (const page of pages) page.removeAttribute('aria-current');
    const page = pages[index];
    if (page) {
      page.setAttribute('aria-current', 'step');
      page.scrollIntoView({ behavior: 'smooth', block: 'center' });
      status.textContent = `Reading page ${index + 1} of ${pages.length}`;
      button.textContent = 'Stop reading';
    } else {
      status.textContent = '';
      button.textContent = 'Read to me';
    }
  };

  const stop = () => {
    current?.pause();
    current = null;
    mark(-1);
  };

  const play = (index) => {
    const audio = pages[index]?.querySelector('audio');
    if (!audio) {
      stop();
      return;
    }
    current?.pause();
    current = audio;
    mark(index);
    audio.currentTime = 0;
    audio.onended = () => {
      if (current === audio) play(index + 1);
    };
    audio.play().catch(stop);
  };

  button.addEventListener('click', () => (current ? stop() : play(0)));
  control.hidden = false;
})();
