// The site in headless Debian Chromium (playwright-core), against the API's local mode on
// DynamoDB Local loaded by the real ETL from the snapshot. Run by scripts/e2e.sh (SITE_URL).
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const SITE = process.env.SITE_URL;
const ARTIFACTS = process.env.ARTIFACTS ?? 'test-artifacts';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
let browser;
let page;
/** Console errors, page errors and CSP violations of the watched pages, per test. */
const problems = [];

/** Fails the test on any console error, uncaught error or Content Security Policy violation
 * (the local server sends the production headers, so what production would block is caught). */
async function watch(p, allowed = []) {
  await p.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => {
    console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'}`);
  }));
  p.on('console', (m) => {
    if (m.type() === 'error' && !allowed.some((a) => m.text().includes(a))) problems.push(`console: ${m.text()}`);
  });
  p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return p;
}

before(async () => {
  assert.ok(SITE, 'SITE_URL is not set: run scripts/e2e.sh');
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: FLAGS });
  page = await watch(await browser.newPage({ viewport: { width: 1100, height: 1000 } }));
});

afterEach(() => { assert.deepEqual(problems.splice(0), [], 'console errors or CSP violations'); });

after(async () => { await browser?.close(); });

test('the site is served with the production security headers and no inline script', async () => {
  const response = await fetch(`${SITE}/`);
  const csp = response.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.doesNotMatch(csp.match(/script-src[^;]*/)[0], /unsafe-inline/);
  assert.match(response.headers.get('strict-transport-security'), /^max-age=\d+; includeSubDomains; preload$/);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(response.headers.get('x-frame-options'), 'DENY');
  assert.equal(response.headers.get('referrer-policy'), 'strict-origin-when-cross-origin');
  const api = await fetch(`${SITE}/v1/status`);
  assert.equal(api.headers.get('content-security-policy'), csp, 'the API path carries the same policy');
  const html = await response.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'every script is a file');
});

const chart = () => page.locator('.chart');
const data = async (name) => chart().getAttribute(`data-${name}`);

/** The y-axis labels: texts of the SVG that are not dates. */
async function valueLabels() {
  const texts = await chart().locator('svg text').allTextContents();
  return texts.map((t) => t.trim()).filter((t) => t && !/[A-Z][a-z]{2} /.test(t));
}

/** Moves the pointer over day `index` of the shown range, through the chart's own geometry. */
async function hoverDay(index) {
  const [left, right, width, days] = await Promise.all(['plot-left', 'plot-right', 'width', 'days'].map(data));
  const box = await chart().locator('svg').boundingBox();
  // The x axis spans index-0.5 .. last+0.5 over the plotting area, in SVG pixels.
  const x = Number(left) + ((index + 0.5) / Number(days)) * (Number(right) - Number(left));
  await page.mouse.move(box.x + (x * box.width) / Number(width), box.y + box.height / 2);
}

test('the chart renders the 420 days', async () => {
  const started = Date.now();
  await page.goto(`${SITE}/`);
  // The series are the 2 px lines (plotters draws the axes as polylines too).
  await chart().locator('svg polyline[stroke-width="2"]').first().waitFor();
  console.log(`# chart visible ${Date.now() - started} ms after navigation`);
  assert.equal(await data('days'), '420');
  assert.equal(await chart().locator('svg polyline[stroke-width="2"]').count(), 3,
    'cases, deaths, recovered (one run: it stops at 2020-12-13)');
  assert.match(await page.locator('.freshness').innerText(), /Newest day: Mar 16, 2021/);
  assert.match(await page.locator('figcaption').innerText(), /not reported from Dec 14, 2020/);
  await page.screenshot({ path: `${ARTIFACTS}/site.png`, fullPage: true });
});

test('the log toggle changes the axis', async () => {
  const linear = await valueLabels();
  await page.click('#log-toggle');
  await page.waitForFunction(() => document.querySelector('.chart')?.dataset.scale === 'log');
  const log = await valueLabels();
  assert.notDeepEqual(log, linear);
  for (const label of ['1', '10', '100', '1k', '10k', '100k', '1M', '10M']) assert.ok(log.includes(label), `${label} in ${log}`);
  assert.equal(await page.getAttribute('#log-toggle', 'aria-pressed'), 'true');
  assert.match(page.url(), /scale=log/);
  await page.click('#log-toggle');
  await page.waitForFunction(() => document.querySelector('.chart')?.dataset.scale === 'linear');
});

test('hover and keyboard show the values of a known day', async () => {
  await hoverDay(419);
  const tooltip = page.locator('.tooltip');
  await tooltip.waitFor();
  const text = await tooltip.innerText();
  assert.match(text, /Mar 16, 2021/);
  assert.match(text, /Cases: 29,569,140/);
  assert.match(text, /Deaths: 536,491/);
  assert.match(text, /Recovered: not reported/);
  await hoverDay(326); // 2020-12-13
  assert.match(await tooltip.innerText(), /Dec 13, 2020[\s\S]*Recovered: 6,298,082/);

  await page.mouse.move(0, 0);
  await chart().focus();
  await page.keyboard.press('Home');
  const readout = page.locator('#readout');
  assert.equal(await readout.innerText(), '2020-01-22: cases 1, deaths 0, recovered 0');
  await page.keyboard.press('ArrowRight');
  assert.equal(await readout.innerText(), '2020-01-23: cases 1, deaths 0, recovered 0');
  await page.keyboard.press('End');
  assert.equal(await readout.innerText(), '2021-03-16: cases 29,569,140, deaths 536,491, recovered not reported');
  assert.equal(await readout.getAttribute('aria-live'), 'polite');
});

test('the table lists the shown range, and the URL state round-trips', async () => {
  await page.click('button[data-range="30d"]');
  await page.waitForFunction(() => document.querySelector('.chart')?.dataset.days === '30');
  await page.click('#table-toggle');
  const rows = page.locator('#data-table tbody tr');
  assert.equal(await rows.count(), 30);
  assert.match(await rows.first().innerText(), /^2021-03-16\s+29,569,140\s+536,491\s+not reported$/);
  assert.match(await rows.last().innerText(), /^2021-02-15/);
  assert.match(await page.locator('#data-table caption').innerText(), /Feb 15, 2021 to Mar 16, 2021/);
  assert.equal(await page.getAttribute('a.download', 'href'), '/v1/series.csv?from=2021-02-15&to=2021-03-16');

  await page.click('input[name="view"] >> nth=1'); // daily
  await page.click('#log-toggle');
  await page.waitForFunction(() => document.querySelector('.chart')?.dataset.scale === 'log');
  const url = page.url();
  assert.match(url, /view=daily/);
  assert.match(url, /scale=log/);
  assert.match(url, /range=30d/);
  assert.match(url, /table=1/);

  const again = await watch(await browser.newPage({ viewport: { width: 360, height: 800 } }));
  await again.goto(url);
  await again.locator('.chart svg rect').first().waitFor();
  assert.equal(await again.getAttribute('.chart', 'data-days'), '30');
  assert.equal(await again.getAttribute('.chart', 'data-scale'), 'log');
  assert.equal(await again.getAttribute('#log-toggle', 'aria-pressed'), 'true');
  assert.equal(await again.locator('#data-table tbody tr').count(), 30);
  assert.ok(await again.isChecked('input[name="view"] >> nth=1'));
  await again.screenshot({ path: `${ARTIFACTS}/site-360px-daily-log.png`, fullPage: true });
  await again.close();
});

test('API errors and an empty series are shown as text', async () => {
  const broken = await watch(await browser.newPage(), ['status of 503']);
  await broken.route('**/v1/series', (route) => route.fulfill({
    status: 503, contentType: 'application/problem+json',
    body: JSON.stringify({ type: 'about:blank', title: 'Data unavailable', status: 503, detail: 'The series cannot be read right now; try again in a minute.' }),
  }));
  await broken.goto(`${SITE}/`);
  const alert = broken.locator('[role="alert"]');
  await alert.waitFor();
  assert.match(await alert.innerText(), /answered 503: The series cannot be read right now/);
  await broken.close();

  // Before the first ETL run the API answers an empty series: text, not a blank chart.
  const empty = await watch(await browser.newPage());
  await empty.route('**/v1/series', (route) => route.fulfill({
    status: 200, contentType: 'application/json',
    body: JSON.stringify({ meta: { source: 'x', first_date: null, last_date: null, count: 0, last_changed: null, fields: {} }, data: [] }),
  }));
  await empty.goto(`${SITE}/`);
  await empty.locator('[role="alert"]').waitFor();
  assert.match(await empty.locator('[role="alert"]').innerText(), /no days yet: the ETL has not loaded any data/);
  await empty.close();
});

test('the subscription form subscribes by fetch and tells what happened', async () => {
  // Its own page: the refused address below is a 400 that Chromium logs as a console error.
  const page = await watch(await browser.newPage({ viewport: { width: 1100, height: 1000 } }),
    ['the server responded with a status of 400']);
  await page.goto(`${SITE}/`);
  const form = page.locator('#subscribe-form');
  await form.waitFor();
  // Keyboard only: the address, one alert kind off, New York picked, then submit.
  await page.locator('#subscribe-email').focus();
  await page.keyboard.type('reader@example.com');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.value), 'stale');
  await page.keyboard.press('Space');
  await page.locator('#subscribe-regions').selectOption(['NY']);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/v1/subscriptions')),
    page.locator('#subscribe-form button[type=submit]').press('Enter'),
  ]);
  assert.equal(response.status(), 202);
  assert.deepEqual(JSON.parse(response.request().postData()),
    { email: 'reader@example.com', alerts: ['updated', 'failed'], regions: ['NY'] });
  const status = page.locator('#subscribe-status');
  await status.getByText('Check your inbox to confirm').waitFor();
  assert.equal(await status.getAttribute('aria-live'), 'polite');
  await page.screenshot({ path: `${ARTIFACTS}/subscribed.png`, fullPage: true });

  // An address the browser accepts but the API refuses: the problem's detail is shown.
  await page.locator('#subscribe-email').fill('reader@localhost');
  await page.locator('#subscribe-form button[type=submit]').click();
  await status.getByText('not a domain name like example.com').waitFor();
  assert.match(await status.getAttribute('class'), /error/);
  await page.close();
});

test('another site cannot post a subscription', async () => {
  const refused = await fetch(`${SITE}/v1/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
    body: JSON.stringify({ email: 'victim@example.com' }),
  });
  assert.equal(refused.status, 403);
  assert.equal(refused.headers.get('access-control-allow-origin'), null);
  const preflight = await fetch(`${SITE}/v1/subscriptions`, {
    method: 'OPTIONS',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type' },
  });
  assert.equal(preflight.headers.get('access-control-allow-origin'), null, 'no CORS grant');
});

test('a region is chosen in the URL or the list, and named in the heading and title', async () => {
  await page.goto(`${SITE}/?region=ny`);
  const heading = page.locator('h1');
  await heading.getByText('New York COVID-19: cases and deaths').waitFor();
  await page.waitForFunction(() => document.querySelector('.chart')?.getAttribute('data-days') === '495');
  assert.equal(await page.locator('#region').inputValue(), 'NY');
  assert.match(await page.title(), /^New York COVID-19/);
  await page.click('#table-toggle');
  assert.equal(await page.locator('#data-table tbody tr th').first().textContent(), '2021-07-08', 'New York\'s newest day');
  assert.match(await page.getAttribute('a.download', 'href'), /^\/v1\/regions\/NY\/series\.csv\?from=2020-03-01&to=2021-07-08$/);
  assert.match(await page.locator('.note').textContent(), /no recoveries by state/);

  // Keyboard: focus the list and choose California.
  await page.locator('#region').focus();
  await page.locator('#region').selectOption('CA');
  await heading.getByText('California COVID-19: cases and deaths').waitFor();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('region') === 'CA');
  assert.equal(new URL(page.url()).searchParams.get('table'), '1', 'the rest of the view is kept');
  await page.screenshot({ path: `${ARTIFACTS}/region-ca.png`, fullPage: true });

  // Back to the nation: the default leaves the URL.
  await page.locator('#region').selectOption('US');
  await heading.getByText('US COVID-19: cases, deaths and recoveries').waitFor();
  await page.waitForFunction(() => !new URL(location.href).searchParams.has('region'));
});

test('an unknown region is told as text', async () => {
  await page.goto(`${SITE}/?region=ZZ`);
  await page.locator('.status.error').getByText('There is no region "ZZ"').waitFor();
  assert.equal(await page.locator('h1').textContent(), 'US COVID-19: cases, deaths and recoveries');
});

test('per 100,000 residents draws New York\'s 7-day averages per capita', async () => {
  await page.goto(`${SITE}/?region=NY`);
  await page.waitForFunction(() => document.querySelector('.chart')?.getAttribute('data-days') === '495');
  const toggle = page.locator('#percap-toggle');
  await toggle.focus();
  await page.keyboard.press('Enter');
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('percap') === '1');
  // The newest day, read by keyboard, against the snapshot's own rows and JHU's population.
  const rows = readFileSync('data/snapshot/nyt-us-states.csv', 'utf8').split('\n');
  const cases = (date) => Number(rows.find((l) => l.startsWith(`${date},New York,36,`)).split(',')[3]);
  const expected = ((cases('2021-07-08') - cases('2021-07-01')) / 7 * 100000 / 19453561).toFixed(1);
  await chart().focus();
  await page.keyboard.press('End');
  const readout = await page.locator('#readout').textContent();
  assert.match(readout, new RegExp(`^2021-07-08: cases ${expected} per 100k \\(7-day avg\\)`), readout);
  assert.match(await page.locator('figcaption').textContent(), /per 100,000 residents/);
  await page.screenshot({ path: `${ARTIFACTS}/per-100k-ny.png`, fullPage: true });
});
