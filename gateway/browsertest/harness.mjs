// Shared set-up of the browser tests: the platform's address and persona
// tokens (from run.sh), the system Chromium, and screenshots as artefacts.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const base = process.env.DTSEN_BASE_URL;
export const demo = {
  kk: process.env.DTSEN_DEMO_KK,
  nik: process.env.DTSEN_DEMO_NIK,
  region: process.env.DTSEN_DEMO_REGION,
};
export const token = (persona) => {
  const t = process.env[`DTSEN_TOKEN_${persona}`];
  if (!t) throw new Error(`no token for persona ${persona}; run the tests through run.sh`);
  return t;
};
const artefacts = process.env.DTSEN_BROWSER_ARTEFACTS || 'artefacts';
mkdirSync(artefacts, { recursive: true });

// launch opens the system Chromium headless. A 360×740 phone viewport is
// the citizen page's target; staff pages get a laptop's.
export async function launch() {
  if (!base) throw new Error('DTSEN_BASE_URL is not set; run the tests through run.sh');
  return chromium.launch({ executablePath: process.env.DTSEN_CHROMIUM, headless: true });
}

export async function phone(browser) {
  return browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'id-ID', deviceScaleFactor: 1 });
}

export async function laptop(browser) {
  return browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'id-ID' });
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(artefacts, `${name}.png`), fullPage: true });
}
