// The harness itself: Chromium starts and reaches the platform's gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, base } from './harness.mjs';

test('Chromium reaches the gateway', async () => {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const res = await page.goto(`${base}/healthz`);
    assert.equal(res.status(), 200);
  } finally {
    await browser.close();
  }
});
