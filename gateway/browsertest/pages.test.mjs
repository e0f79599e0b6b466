// The issue-8 journeys through the real web pages, in headless Chromium,
// against a platform started like `make run` (run.sh): a citizen checks
// their status and files an objection, the officers of the family's region
// take it through triage, assignment, the visit and the decision while an
// officer of another region cannot see it, and the analyst's dashboard
// draws its charts. Screenshots are saved as artefacts at each step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, phone, laptop, screenshot, base, demo, token } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const id = (t) => `[data-testid="${t}"]`;
// The objection the citizen files; the officer tests act on it.
let caseName;

// checkStatus fills the Cek DTSEN form and submits it.
async function checkStatus(page, kk) {
  await page.fill(id('nik-input'), demo.nik);
  await page.check(id('factor-kk'));
  await page.fill(id('kk-input'), kk);
  await page.click(id('check-submit'));
}

test('a citizen checks their status, is refused a wrong factor, and files an objection', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Chromium logs every 4xx as a console error; the wrong factor's 403 is
  // expected, so only script errors and CSP violations count.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  await page.goto(`${base}/`);
  await page.locator(id('origin-banner')).waitFor();
  assert.match(await page.locator(id('origin-never')).innerText(), /password|kata sandi|PIN|OTP/i);
  // No horizontal scrolling on a 360-px phone.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'the citizen page scrolls sideways at 360 px');

  await checkStatus(page, demo.kk);
  await page.locator(id('decile')).waitFor({ timeout: 30_000 });
  assert.match(await page.locator(id('decile')).innerText(), /Desil\s+([1-9]|10)\b/);
  assert.ok(await page.locator(id('programme-row')).count() > 0, 'no programme is listed');
  assert.ok(await page.locator(id('member-row')).count() > 0, 'the family data is missing');
  await screenshot(page, '01-citizen-status');

  // A wrong KK number: the same refusal whether or not the NIK exists.
  await page.goto(`${base}/`);
  const wrongKK = demo.kk.slice(0, -1) + ((Number(demo.kk.at(-1)) + 1) % 10);
  await checkStatus(page, wrongKK);
  await page.locator(id('check-message')).filter({ hasText: /tidak cocok/i }).waitFor({ timeout: 15_000 });
  assert.equal(await page.locator(id('decile')).isVisible(), false, 'a wrong factor showed a decile');
  await screenshot(page, '02-citizen-wrong-factor');

  await page.goto(`${base}/`);
  await checkStatus(page, demo.kk);
  await page.locator(id('decile')).waitFor({ timeout: 30_000 });
  await page.selectOption(id('case-type'), 'CASE_TYPE_EXCLUSION_OBJECTION');
  await page.fill(id('case-description'), 'Rumah kami berlantai tanah dan kami tidak punya motor.');
  await page.click(id('case-submit'));
  // make run's demo objection may already be open for this family: then
  // the page shows that case instead of filing a second (one open case of a
  // type per family).
  await page.locator(id('case-message')).filter({ hasText: /terkirim|sudah memiliki/i }).waitFor({ timeout: 15_000 });
  const row = page.locator(`${id('case-row')}[data-state="SUBMITTED"]`).first();
  await row.waitFor();
  caseName = await row.getAttribute('data-case');
  assert.match(caseName, /^cases\//);
  await screenshot(page, '03-citizen-objection-filed');
  assert.deepEqual(errors, [], `the citizen page logged errors: ${errors.join('; ')}`);
  await ctx.close();
});

// openCase signs in on the officer console and opens the case from the queue.
async function openCase(ctx, persona) {
  const page = await ctx.newPage();
  await page.goto(`${base}/officer#token=${token(persona)}`);
  await page.locator(id('whoami')).waitFor();
  const row = page.locator(`${id('queue-row')}[data-case="${caseName}"]`);
  await row.waitFor({ timeout: 15_000 });
  await row.locator(id('queue-open')).click();
  await page.locator(id('case-panel')).waitFor();
  return page;
}

async function waitState(page, state) {
  await page.locator(`${id('case-state')}[data-state="${state}"]`).waitFor({ timeout: 15_000 });
}

test('the officers of the region verify and decide it; an officer of another region cannot see it', async () => {
  assert.ok(caseName, 'the citizen test filed no case');
  const ctx = await laptop(browser);

  let page = await openCase(ctx, 'DISTRICT_OFFICER');
  await page.fill(id('triage-reason'), 'Berkas lengkap.');
  await page.click(id('triage-submit'));
  await waitState(page, 'TRIAGED');
  const verifier = `demo-field-verifier-${demo.region.slice(0, 8)}`;
  await page.fill(id('assign-input'), verifier);
  await page.click(id('assign-submit'));
  await waitState(page, 'ASSIGNED');
  await screenshot(page, '04-officer-assigned');
  await page.close();

  page = await openCase(ctx, 'FIELD_VERIFIER');
  await page.fill(id('vf-latitude'), '-7.98');
  await page.fill(id('vf-longitude'), '112.63');
  await page.fill(id('vf-notes'), 'Lantai tanah, dinding bambu.');
  await page.click(id('vf-submit'));
  await waitState(page, 'VERIFIED');
  await screenshot(page, '05-verifier-visit-recorded');
  await page.close();

  page = await openCase(ctx, 'DISTRICT_OFFICER');
  await page.fill(id('decide-reason'), 'Hasil kunjungan menunjukkan keluarga layak dipertimbangkan kembali.');
  await page.click(id('decide-approve'));
  await page.locator(`${id('case-state')}[data-state="APPROVED"], ${id('case-state')}[data-state="APPLIED"]`)
    .first().waitFor({ timeout: 15_000 });
  await screenshot(page, '06-officer-decided');
  await page.close();

  page = await ctx.newPage();
  await page.goto(`${base}/officer#token=${token('OTHER_DISTRICT_OFFICER')}`);
  await page.locator(id('whoami')).waitFor();
  await page.locator(`${id('queue-message')}, ${id('queue-table')}`).first().waitFor({ timeout: 15_000 });
  assert.equal(await page.locator(`${id('queue-row')}[data-case="${caseName}"]`).count(), 0,
    'an officer of another region sees the case');
  await screenshot(page, '07-other-region-officer-queue');
  await ctx.close();
});

test('the analyst dashboard draws its charts', async () => {
  const ctx = await laptop(browser);
  const page = await ctx.newPage();
  await page.goto(`${base}/analyst#token=${token('ANALYST')}`);
  for (const chart of ['chart-deciles', 'chart-deciles-total', 'chart-coverage', 'chart-transition']) {
    await page.locator(`${id(chart)} svg`).first().waitFor({ timeout: 20_000 });
  }
  assert.ok(await page.locator(`${id('chart-deciles')} svg rect`).count() > 10, 'the decile chart has no bars');
  await screenshot(page, '08-analyst-dashboard');
  await ctx.close();
});
