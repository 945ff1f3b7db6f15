import { access } from 'node:fs/promises';
import { type Browser, chromium } from 'playwright-core';

/** Where Debian's Chromium is (`apt-get install chromium`; `.ci/run` installs it). Default `/usr/bin/chromium`, or `CHROMIUM_PATH`. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Launches Debian's Chromium headless through playwright-core (never a downloaded browser). The flags keep it off
 * the network this machine does not have and let it run as root in a container.
 *
 * @throws Error naming the missing browser and how to install it.
 */
export async function launchChromium(): Promise<Browser> {
  await access(CHROMIUM_PATH).catch(() => {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  });
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--mute-audio',
    ],
  });
}
