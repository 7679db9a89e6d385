// The site in headless Debian Chromium (playwright-core), against the API's local mode on
// DynamoDB Local loaded by the real ETL from three earlier publications, then the snapshot. Run by scripts/e2e.sh (SITE_URL).
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

/** Shows a place with the search field, as a reader does with the keyboard: types `query`,
 * moves to the first place found and picks it. */
async function choose(p, query) {
  const field = p.locator('#region');
  await field.fill('');
  await field.pressSequentially(query);
  await p.locator('#places [data-id]').first().waitFor();
  await p.keyboard.press('ArrowDown');
  await p.keyboard.press('Enter');
}

/** The first chart panel (cases); each metric has its own panel. */
const chart = () => page.locator('.chart').first();
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
  assert.deepEqual(await page.locator('.chart').evaluateAll((els) => els.map((e) => e.dataset.metric)),
    ['cases', 'deaths', 'recovered'], 'one chart per metric, each on its own scale');
  assert.equal(await page.locator('.chart svg polyline[stroke-width="2"]').count(), 3,
    'cases, deaths, recovered (one run: it stops at 2020-12-13)');
  // Deaths have their own axis: its top label is in the hundred thousands, not the millions.
  const deathsAxis = await page.locator('.chart[data-metric="deaths"] svg text').allTextContents();
  assert.ok(deathsAxis.some((t) => /^[1-9]\d\dk$/.test(t.trim())), `deaths axis: ${deathsAxis}`);
  // Every date the page says comes from the data (web/src/text.rs): the span the series holds,
  // the end of the recoveries (the figure's note, above), and the footer's line from /v1/status.
  assert.equal(await page.locator('#lede').innerText(), 'Daily cumulative counts for the United States, '
    + 'January 2020 to March 2021, with daily new values and 7-day averages.');
  assert.equal(await page.title(), 'US COVID-19: cases, deaths and recoveries, 2020–2021');
  assert.match(await page.locator('#freshness').innerText(),
    /^United States: newest day Mar 16, 2021\. The United States' series ends on Mar 16, 2021, the last day of Johns Hopkins' recoveries, which it joins; the states' go on to Jul 8, 2021\. The sources stopped publishing\. This site's copy last changed on [A-Z][a-z]{2} \d+, \d{4}; it last checked the sources on [A-Z][a-z]{2} \d+, \d{4}\.$/);
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
  await tooltip.first().waitFor();
  // Every panel marks the day; each says its own metric.
  const tips = async () => (await tooltip.allInnerTexts()).join('\n');
  const text = await tips();
  assert.match(text, /Mar 16, 2021/);
  assert.match(text, /Cases: 29,569,140/);
  assert.match(text, /Deaths: 536,491/);
  assert.match(text, /Recovered: not reported/);
  await hoverDay(326); // 2020-12-13
  assert.match(await tips(), /Dec 13, 2020[\s\S]*Recovered: 6,298,082/);

  await page.mouse.move(0, 0);
  await page.locator('.charts').focus();
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

  // A region whose series fails after another was shown: the failure, and no date of the
  // region shown before in the line under the heading or in the footer.
  const later = await watch(await browser.newPage(), ['status of 503']);
  await later.route('**/v1/regions/TX/series', (route) => route.fulfill({
    status: 503, contentType: 'application/problem+json',
    body: JSON.stringify({ type: 'about:blank', title: 'Data unavailable', status: 503, detail: 'try again' }),
  }));
  await later.goto(`${SITE}/?region=NY`);
  await later.locator('.chart svg polyline[stroke-width="2"]').first().waitFor();
  assert.match(await later.locator('#freshness').innerText(), /^New York: newest day/);
  await choose(later, 'Texas');
  await later.locator('[role="alert"]').waitFor();
  assert.doesNotMatch(await later.locator('#lede').innerText(), /20(20|21)/);
  assert.doesNotMatch(await later.locator('#freshness').innerText(), /New York/);
  await later.close();

  // Without the regions list the ranking says so; the charts take each place's population from
  // its own series answer.
  const noRegions = await watch(await browser.newPage(), ['status of 503']);
  await noRegions.route('**/v1/regions', (route) => route.fulfill({
    status: 503, contentType: 'application/problem+json',
    body: JSON.stringify({ type: 'about:blank', title: 'Data unavailable', status: 503, detail: 'try again' }),
  }));
  await noRegions.goto(`${SITE}/?compare=NY,CA`);
  await noRegions.locator('.chart[data-lines="2"]').first().waitFor();
  assert.match(await noRegions.locator('.ranking .error').textContent(), /could not be loaded.*answered 503: try again/);
  await noRegions.close();

  // A series without a population: compared places say so, and the per-capita toggle turns to
  // counts.
  const noPopulation = await watch(await browser.newPage());
  await noPopulation.route('**/v1/regions/CA/series', async (route) => {
    const answer = await (await route.fetch()).json();
    answer.meta.population = null;
    await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(answer) });
  });
  await noPopulation.goto(`${SITE}/?compare=NY,CA`);
  await noPopulation.locator('.note').getByText("needs each place's population").waitFor();
  await noPopulation.check('#view-cumulative');
  await noPopulation.locator('.chart[data-lines="2"]').first().waitFor();
  assert.equal(await noPopulation.locator('#view-per-100k').isDisabled(), true, 'no way back to per capita');
  await noPopulation.close();

  // Before the first ETL run the API answers an empty series: text, not a blank chart.
  const empty = await watch(await browser.newPage());
  await empty.route('**/v1/series', (route) => route.fulfill({
    status: 200, contentType: 'application/json',
    body: JSON.stringify({ meta: { id: 'US', name: 'United States', population: null, source: 'x', first_date: null, last_date: null, count: 0, last_changed: null, fields: {} }, data: [] }),
  }));
  await empty.goto(`${SITE}/`);
  await empty.locator('[role="alert"]').waitFor();
  assert.match(await empty.locator('[role="alert"]').innerText(), /no days yet: the ETL has not loaded any data/);
  await empty.close();
});

test('a wasm that cannot load, or that stops, is told as text', async () => {
  // Not watched: both failures are page errors on purpose.
  const unloaded = await browser.newPage();
  await unloaded.route('**/*.wasm', (route) => route.abort());
  await unloaded.goto(`${SITE}/`);
  await unloaded.locator('#stopped').getByText(/^The chart could not start \(.+\)\. Reload the page to try again\.$/).waitFor();
  await unloaded.close();

  // A panic in the built wasm is a trap, a WebAssembly.RuntimeError thrown out of a task
  // (immediate-abort): thrown here from a microtask, as wasm-bindgen-futures runs the tasks.
  const stopped = await browser.newPage();
  await stopped.goto(`${SITE}/`);
  await stopped.locator('.chart svg polyline').first().waitFor();
  await stopped.evaluate(() => queueMicrotask(() => { throw new WebAssembly.RuntimeError('unreachable'); }));
  const alert = stopped.locator('#stopped[role="alert"]');
  await alert.waitFor();
  assert.equal(await alert.textContent(), 'The page stopped on an error (unreachable). Reload it to start again.');
  await stopped.close();
});

test('the subscription form subscribes by fetch and tells what happened', async () => {
  // Its own page: the refused address below is a 400 that Chromium logs as a console error.
  const page = await watch(await browser.newPage({ viewport: { width: 1100, height: 1000 } }),
    ['the server responded with a status of 400']);
  // The charts' page links to the alerts page with its view.
  await page.goto(`${SITE}/?region=CA`);
  await page.locator('.chart svg polyline[stroke-width="2"]').first().waitFor();
  assert.equal(await page.locator('#alerts-link').getAttribute('href'), 'alerts.html?region=CA');
  await page.goto(`${SITE}/alerts.html`);
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
  assert.deepEqual(await response.json(), { status: 'confirmation_sent', subscriptions: 2 });
  await status.getByText('sends 2 confirmation links, one per subscription, to reader@example.com').waitFor();
  assert.equal(await status.getAttribute('aria-live'), 'polite');
  await page.screenshot({ path: `${ARTIFACTS}/subscribed.png`, fullPage: true });

  // An address the browser accepts but the API refuses: the problem's detail is shown.
  await page.locator('#subscribe-email').fill('reader@localhost');
  await page.locator('#subscribe-form button[type=submit]').click();
  await status.getByText('not a domain name like example.com').waitFor();
  assert.match(await status.getAttribute('class'), /error/);

  // Level changes alone, no region picked: those of the region on the charts (the link's).
  await page.goto(`${SITE}/alerts.html?region=CA`);
  await form.waitFor();
  await page.locator('#subscribe-email').fill('level-reader@example.com');
  for (const kind of ['updated', 'failed', 'stale']) {
    await page.locator(`#subscribe-form input[value=${kind}]`).uncheck();
  }
  const level = page.locator('#subscribe-form input[value=level]');
  assert.equal(await level.isChecked(), false, 'asked for, not given');
  await level.check();
  const [levels] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/v1/subscriptions')),
    page.locator('#subscribe-form button[type=submit]').click(),
  ]);
  assert.equal(levels.status(), 202);
  assert.deepEqual(JSON.parse(levels.request().postData()),
    { email: 'level-reader@example.com', alerts: ['level'], regions: ['CA'] });
  await status.getByText('sends a confirmation link to level-reader@example.com').waitFor();
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
  assert.equal(await page.locator('#region').inputValue(), 'New York');
  assert.match(await page.title(), /^New York COVID-19/);
  await page.click('#table-toggle');
  assert.equal(await page.locator('#data-table tbody tr th').first().textContent(), '2021-07-08', 'New York\'s newest day');
  assert.match(await page.getAttribute('a.download', 'href'), /^\/v1\/regions\/NY\/series\.csv\?from=2020-03-01&to=2021-07-08$/);
  assert.match(await page.locator('figure .note').textContent(), /no recoveries by state/);

  // Keyboard: type in the search field and choose California.
  await choose(page, 'calif');
  await heading.getByText('California COVID-19: cases and deaths').waitFor();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('region') === 'CA');
  assert.equal(new URL(page.url()).searchParams.get('table'), '1', 'the rest of the view is kept');
  await page.screenshot({ path: `${ARTIFACTS}/region-ca.png`, fullPage: true });

  // Back to the nation: the default leaves the URL.
  await choose(page, 'United States');
  await heading.getByText('US COVID-19: cases, deaths and recoveries').waitFor();
  await page.waitForFunction(() => !new URL(location.href).searchParams.has('region'));
});

test('a place is found by typing and picked with the keyboard, as a WAI-ARIA combobox', async () => {
  const p = await watch(await browser.newPage({ viewport: { width: 1100, height: 1000 } }));
  const asked = [];
  p.on('request', (r) => { if (r.url().includes('/v1/places')) asked.push(r.url()); });
  await p.goto(`${SITE}/`);
  await p.locator('.chart svg polyline[stroke-width="2"]').first().waitFor();
  assert.deepEqual(asked, [], 'the names are not in the first load');
  const field = p.locator('#region');
  assert.deepEqual(await field.evaluate((e) => [e.getAttribute('role'), e.getAttribute('aria-controls'),
    e.getAttribute('aria-autocomplete'), e.getAttribute('aria-expanded'), e.labels[0].textContent.trim()]),
  ['combobox', 'places', 'list', 'false', 'Place']);
  await field.focus();
  await field.pressSequentially('cook il');
  const options = p.locator('#places [role="option"]');
  await p.locator('#places [data-id="17031"]').waitFor();
  assert.deepEqual(asked.map((u) => new URL(u).pathname), ['/v1/places.csv'], 'read once, on first focus');
  assert.deepEqual(await options.allTextContents(), ['Cook, Illinois']);
  assert.equal(await field.getAttribute('aria-expanded'), 'true');
  assert.equal(await p.locator('#places').getAttribute('role'), 'listbox');

  // Several found: the arrows, Home and End move the active option; the field keeps the focus.
  await field.fill('');
  await field.pressSequentially('new');
  await p.waitForFunction(() => document.querySelectorAll('#places [data-id]').length === 10);
  const active = () => p.evaluate(() => {
    const id = document.querySelector('#region').getAttribute('aria-activedescendant');
    const option = id && document.getElementById(id);
    return option ? [option.textContent, option.getAttribute('aria-selected')] : null;
  });
  assert.equal(await active(), null);
  await p.keyboard.press('ArrowDown');
  assert.deepEqual(await active(), ['New Hampshire', 'true']);
  await p.keyboard.press('ArrowDown');
  assert.deepEqual(await active(), ['New Jersey', 'true']);
  await p.keyboard.press('End');
  const last = await options.last().textContent();
  assert.deepEqual(await active(), [last, 'true']);
  await p.keyboard.press('Home');
  assert.deepEqual(await active(), ['New Hampshire', 'true']);
  assert.equal(await p.locator('#places [aria-selected="true"]').count(), 1);
  assert.ok(await field.evaluate((e) => e === document.activeElement));
  // Escape closes the list, and clears the field once closed.
  await p.keyboard.press('Escape');
  assert.equal(await field.getAttribute('aria-expanded'), 'false');
  assert.ok(await p.locator('#places').isHidden());
  await p.keyboard.press('Escape');
  assert.equal(await field.inputValue(), '');
  // Nothing found is said.
  await field.pressSequentially('zzzz');
  await p.locator('#places .none').getByText('No place found').waitFor();

  // A county by its FIPS code, picked with the pointer.
  await field.fill('');
  await field.pressSequentially('17031');
  await p.locator('#places [data-id="17031"]').click();
  await p.locator('h1').getByText('Cook, Illinois COVID-19: cases and deaths').waitFor();
  await p.waitForFunction(() => new URL(location.href).searchParams.get('region') === '17031');
  assert.equal(await field.inputValue(), 'Cook, Illinois');
  assert.ok(await p.locator('#places').isHidden());
  // The first screen at 1280 px, with the search's list open (README, "The site").
  await p.setViewportSize({ width: 1280, height: 900 });
  await field.fill('');
  await field.pressSequentially('cook');
  await p.locator('#places [data-id="17031"]').waitFor();
  await p.keyboard.press('ArrowDown');
  await p.locator('.chart svg polyline[stroke-width="2"]').first().waitFor();
  await p.screenshot({ path: `${ARTIFACTS}/county-1280.png` });
  await p.close();
});

test('a county from the URL: its series, per 100k, deaths not reported, and beside its state and the nation', async () => {
  const p = await watch(await browser.newPage({ viewport: { width: 1280, height: 1000 } }));
  await p.goto(`${SITE}/?region=72001&table=1`);
  await p.locator('h1').getByText('Adjuntas, Puerto Rico COVID-19: cases and deaths').waitFor();
  assert.equal(await p.locator('#region').inputValue(), 'Adjuntas, Puerto Rico');
  // NYT gives Puerto Rico's municipios no deaths: "not reported", never 0.
  const row = p.locator('#data-table tbody tr').first();
  assert.equal(await row.locator('th').textContent(), '2021-07-08');
  assert.deepEqual(await row.locator('td').allTextContents(), ['553', 'not reported']);
  await p.locator('.charts').focus();
  await p.keyboard.press('End');
  assert.match(await p.locator('#readout').textContent(), /deaths not reported/);
  assert.match(await p.getAttribute('a.download', 'href'), /^\/v1\/regions\/72001\/series\.csv\?/);
  assert.match(await p.locator('details.embed textarea').first().inputValue(), /\/v1\/regions\/72001\/chart\.svg/);
  await p.screenshot({ path: `${ARTIFACTS}/county-1280px.png`, fullPage: true });

  // One click puts it beside its state and the nation, per 100,000 residents.
  await p.locator('#compare-levels').click();
  await p.waitForFunction(() => new URL(location.href).searchParams.get('compare') === '72001,PR,US');
  await p.locator('h1').getByText('Compared: Adjuntas, Puerto Rico, Puerto Rico, United States').waitFor();
  assert.equal(await p.locator('#view-per-100k').isChecked(), true);
  assert.match(await p.locator('figcaption .legend').innerText(), /Adjuntas, Puerto Rico \(72001\)[\s\S]*Puerto Rico \(PR\)[\s\S]*United States \(US\)/);
  assert.deepEqual(await p.locator('.compared button').allTextContents(), ['72001 ×', 'PR ×', 'US ×']);
  assert.ok(await p.locator('#compare-levels').isHidden(), 'offered for a county shown alone');
  await p.setViewportSize({ width: 360, height: 740 });
  await p.goto(`${SITE}/?region=02290`);
  await p.locator('h1').getByText('Yukon-Koyukuk Census Area, Alaska COVID-19: cases and deaths').waitFor();
  const [scroll, width] = await p.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
  assert.ok(scroll <= width, `nothing to scroll sideways at 360 px: ${scroll} px`);
  await p.locator('.chart svg polyline[stroke-width="2"]').first().waitFor();
  await p.screenshot({ path: `${ARTIFACTS}/county-360.png` });
  await p.close();
});

test('an unknown region is told as text', async () => {
  await page.goto(`${SITE}/?region=ZZ`);
  await page.locator('.status.error').getByText('There is no place "ZZ"').waitFor();
  assert.equal(await page.locator('h1').textContent(), 'US COVID-19: cases, deaths and recoveries');
});

test('per 100,000 residents draws New York\'s 7-day averages per capita', async () => {
  await page.goto(`${SITE}/?region=NY`);
  await page.waitForFunction(() => document.querySelector('.chart')?.getAttribute('data-days') === '495');
  const choice = page.locator('#view-per-100k');
  await choice.focus();
  await page.keyboard.press('Space');
  assert.equal(await choice.isChecked(), true);
  await page.waitForFunction(() => new URL(location.href).searchParams.get('percap') === '1');
  // The newest day, read by keyboard, against the snapshot's own rows and JHU's population.
  const rows = readFileSync('data/snapshot/nyt-us-states.csv', 'utf8').split('\n');
  const cases = (date) => Number(rows.find((l) => l.startsWith(`${date},New York,36,`)).split(',')[3]);
  const expected = ((cases('2021-07-08') - cases('2021-07-01')) / 7 * 100000 / 19453561).toFixed(1);
  await page.locator('.charts').focus();
  await page.keyboard.press('End');
  const readout = await page.locator('#readout').textContent();
  assert.match(readout, new RegExp(`^2021-07-08: cases ${expected} per 100k \\(7-day avg\\)`), readout);
  assert.match(await page.locator('figcaption').textContent(), /per 100,000 residents/);
  await page.screenshot({ path: `${ARTIFACTS}/per-100k-ny.png`, fullPage: true });
});

test('a state\'s page says its own newest day, and offers no recoveries it cannot show', async () => {
  await page.goto(`${SITE}/?region=NY&table=1`);
  await page.waitForFunction(() => document.querySelector('.chart')?.getAttribute('data-days') === '495');
  assert.match(await page.locator('#freshness').innerText(), /^New York: newest day Jul 8, 2021\. The sources stopped publishing\. This site's copy last changed on /);
  assert.doesNotMatch(await page.locator('#freshness').innerText(), /Mar 16, 2021/, 'not the nation\'s newest day');
  // JHU has no recoveries by state: the box is neither checked nor available, and neither the
  // table nor the readout has a column of "not reported".
  assert.deepEqual(await page.locator('#metric-recovered').evaluate((e) => [e.checked, e.disabled]), [false, true]);
  assert.deepEqual(await page.locator('#data-table thead th').allTextContents(), ['Date', 'Cases', 'Deaths']);
  await page.locator('.charts').focus();
  await page.keyboard.press('End');
  assert.doesNotMatch(await page.locator('#readout').textContent(), /recovered/i);
  // The nation has them: the box is back, checked as the state says.
  await choose(page, 'United States');
  await page.waitForFunction(() => document.querySelector('.chart')?.getAttribute('data-days') === '420');
  assert.deepEqual(await page.locator('#metric-recovered').evaluate((e) => [e.checked, e.disabled]), [true, false]);
});

test('a negative day is told as it is: California\'s deaths, revised down by NYT', async () => {
  await page.goto(`${SITE}/?region=CA&view=daily`);
  await page.locator('h1').getByText('California COVID-19: cases and deaths').waitFor();
  await chart().locator('svg polyline[stroke-width="2"]').first().waitFor();
  const deaths = (date) => Number(stateRows.find((l) => l.startsWith(`${date},California,06,`)).split(',')[4]);
  const change = deaths('2021-07-08') - deaths('2021-07-07');
  const average = Math.round((deaths('2021-07-08') - deaths('2021-07-01')) / 7);
  assert.ok(average < 0, `the snapshot's average is ${average}`);
  await page.locator('.charts').focus();
  await page.keyboard.press('End');
  const readout = await page.locator('#readout').innerText();
  const signed = (n) => (n < 0 ? '-' : '') + Math.abs(n).toLocaleString('en-US');
  assert.ok(readout.includes(`deaths ${signed(change)} (7-day avg ${signed(average)})`), readout);
  // The chart goes below 0 and says why.
  assert.match(await page.locator('figcaption').innerText(), /Below 0: the source revised its total down\./);
  await page.screenshot({ path: `${ARTIFACTS}/negative-ca.png`, fullPage: true });
});

test('revised days are marked and told, and "As published on" shows the data of a past day', async () => {
  // scripts/e2e.sh backfilled three publications (2021-07-05 to 07-07, their newest two days
  // 2% and 1% short) before the snapshot: New York's days from 07-05 to 07-07 were revised.
  await page.goto(`${SITE}/?region=NY`);
  await page.waitForFunction(() => document.querySelector('.chart')?.getAttribute('data-days') === '495');
  const marks = await page.locator('.chart svg').first().evaluate(
    (svg) => [...svg.querySelectorAll('rect')].filter((r) => r.getAttribute('fill') === '#767676').length);
  assert.equal(marks, 1, 'one band over the run of revised days');
  const readout = page.locator('#readout');
  // The readout's earlier values arrive after its sentence (asked when the day is read).
  const readoutSays = async (re) => {
    await page.waitForFunction((source) => new RegExp(source).test(document.querySelector('#readout').innerText),
      re.source, { timeout: 5000 }).catch(() => {});
    assert.match(await readout.innerText(), re);
  };
  // New York's counts in the snapshot, and as first published (2% short) and the day after (1%).
  const rows = readFileSync('data/snapshot/nyt-us-states.csv', 'utf8').split('\n');
  const count = (date, column) => Number(rows.find((l) => l.startsWith(`${date},New York,36,`)).split(',')[column]);
  const cases = (date) => count(date, 3);
  const short = (date, by) => [3, 4].map((c) => (count(date, c) - Math.floor(count(date, c) / by)).toLocaleString('en-US'));
  const was = (date, by, replaced) => {
    const [c, d] = short(date, by);
    return `${c} cases and ${d} deaths \\(replaced ${replaced}\\)`;
  };
  await page.locator('.charts').focus();
  await page.keyboard.press('End');
  assert.doesNotMatch(await readout.innerText(), /revised/, 'the newest day is as first published');
  await page.keyboard.press('ArrowLeft');
  await readoutSays(new RegExp(`^2021-07-07: .*; revised once since first published; earlier ${was('2021-07-07', 50, '2021-07-08')}$`));
  await page.keyboard.press('ArrowLeft');
  await readoutSays(new RegExp(`^2021-07-06: .*; revised 2 times since first published; earlier ${was('2021-07-06', 50, '2021-07-07')}, then ${was('2021-07-06', 100, '2021-07-08')}$`));

  // As published on 2021-07-06: its newest day as first published, 2% short.
  const first = cases('2021-07-06') - Math.floor(cases('2021-07-06') / 50);
  await page.locator('#as-of').fill('2021-07-06');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('as_of') === '2021-07-06');
  await page.waitForFunction(() => document.querySelector('.chart')?.getAttribute('data-days') === '493');
  await page.locator('.charts').focus();
  await page.keyboard.press('End');
  assert.match(await readout.innerText(), new RegExp(`^2021-07-06: cases ${first.toLocaleString('en-US')}, deaths`));
  assert.doesNotMatch(await readout.innerText(), /revised/);
  await page.keyboard.press('ArrowLeft');
  // As of 2021-07-06 only its first revision: the one of 07-07 is not shown.
  await readoutSays(new RegExp(`^2021-07-05: .*; revised once since first published; earlier ${was('2021-07-05', 50, '2021-07-06')}$`));
  await page.screenshot({ path: `${ARTIFACTS}/as-of-ny.png`, fullPage: true });
  // Its embed is of the data as published that day too.
  await page.click('.embed summary');
  const snippet = await page.locator('.embed textarea').first().inputValue();
  const src = snippet.match(/src="([^"]+)"/)[1].replaceAll('&amp;', '&');
  assert.match(src, /\/v1\/regions\/NY\/chart\.svg\?metric=cases&view=cumulative&days=all&as_of=2021-07-06$/);
  const embedded = await (await fetch(src)).text();
  assert.match(embedded, /as published on 2021-07-06/);
  assert.match(embedded, new RegExp(`Jul 6, 2021: ${first.toLocaleString('en-US')}<`));
  await page.click('.embed summary');

  // Emptied, the current data again.
  await page.locator('#as-of').fill('');
  await page.waitForFunction(() => document.querySelector('.chart')?.getAttribute('data-days') === '495');
  assert.equal(new URL(page.url()).searchParams.get('as_of'), null);
});

test('"As published on" a date before the first publication says so beside the date box and keeps every control', async () => {
  // The API's 404 for a date before the first vintage is expected here.
  const page = await watch(await browser.newPage({ viewport: { width: 1100, height: 1000 } }),
    ['status of 404 (Not Found)']);
  const note = page.locator('#as-of-note');
  const controlsKept = async () => {
    for (const id of ['#as-of', '#region', '#log-toggle', '#view-per-100k', '#table-toggle']) {
      assert.ok(await page.locator(id).isVisible(), `${id} is shown`);
    }
    assert.equal(await page.locator('.status.error').count(), 0, 'no error in place of the page');
  };
  // From the URL: the current data, with a note in words (no request path, no code quotes).
  await page.goto(`${SITE}/?region=NY&as_of=2021-01-01`);
  await page.waitForFunction(() => document.querySelector('.chart')?.getAttribute('data-days') === '495');
  assert.equal(await note.innerText(),
    'Nothing held here was published by Jan 1, 2021: the first publication is Jul 5, 2021. Shown: the current data.');
  assert.equal(new URL(page.url()).searchParams.get('as_of'), null);
  assert.equal(await page.locator('#as-of').inputValue(), '');
  await controlsKept();
  // From the date box: the same, and a date with a publication clears the note.
  await page.locator('#as-of').fill('2021-03-01');
  await page.waitForFunction(() => document.querySelector('#as-of-note').textContent.includes('Mar 1, 2021'));
  await controlsKept();
  await page.screenshot({ path: `${ARTIFACTS}/as-of-before-history.png` });
  await page.locator('#as-of').fill('2021-07-06');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('as_of') === '2021-07-06');
  await page.waitForFunction(() => document.querySelector('.chart')?.getAttribute('data-days') === '493');
  assert.equal(await note.innerText(), '');
  await page.close();
});

test('"Embed this chart" gives an <img> of the same view, drawn by the API with the site\'s code', async () => {
  const context = await browser.newContext({ viewport: { width: 700, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: SITE });
  const narrow = await watch(await context.newPage());
  await narrow.goto(`${SITE}/?region=NY&view=daily&range=90d`);
  const cases = narrow.locator('.chart[data-metric="cases"]');
  await cases.locator('svg polyline[stroke-width="2"]').first().waitFor();
  await narrow.click('.embed summary');
  const snippet = await narrow.locator('.embed textarea').first().inputValue();
  // Each snippet takes the options' width, and its button copies it.
  const [box, options] = [await narrow.locator('#embed-cases').boundingBox(), await narrow.locator('#chart-options').boundingBox()];
  assert.ok(box.width >= 0.9 * options.width, `the snippet is ${box.width} px of ${options.width} px`);
  await narrow.click('button[data-copy="embed-cases"]');
  await narrow.locator('#embed-status').getByText('Snippet copied.').waitFor();
  assert.equal(await narrow.evaluate(() => navigator.clipboard.readText()), snippet);
  const src = snippet.match(/src="([^"]+)"/)[1].replaceAll('&amp;', '&');
  assert.equal(src, `${new URL(SITE).origin}/v1/regions/NY/chart.svg?metric=cases&view=daily&days=90`);
  // The snippet's image loads under the production headers, at its size.
  const size = await narrow.evaluate(async (html) => {
    const box = document.createElement('div');
    box.innerHTML = html;
    document.body.append(box);
    // Lazy, as pasted: loaded now, since the test's copy is below the fold.
    box.firstChild.loading = 'eager';
    await box.firstChild.decode();
    return [box.firstChild.naturalWidth, box.firstChild.naturalHeight];
  }, snippet);
  assert.deepEqual(size, [640, 360]);
  // At the site's own chart size, the embed's chart is the site's, element for element.
  const [width, height] = await cases.locator('svg').evaluate((svg) => [svg.getAttribute('width'), svg.getAttribute('height')]);
  const response = await fetch(`${src}&width=${width}&height=${Number(height) + 68}`);
  assert.equal(response.headers.get('content-type'), 'image/svg+xml');
  const svg = await response.text();
  assert.ok(svg.length <= 20000, `${svg.length} bytes`);
  // Each element's name, attributes and text, in document order.
  const [embedded, site] = await narrow.evaluate(([text]) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    if (doc.querySelector('parsererror')) return ['parse error', ''];
    const shape = (root) => [...root.querySelectorAll('*')].map((e) => `${e.localName} ${[...e.attributes]
      .map((a) => `${a.name}=${a.value}`).sort().join(' ')} ${e.children.length ? '' : e.textContent.trim()}`);
    return [shape(doc.querySelector('g > svg')), shape(document.querySelector('.chart[data-metric="cases"] svg'))];
  }, [svg]);
  assert.ok(embedded.length > 100, `${embedded.length} elements: ${embedded}`);
  assert.deepEqual(embedded, site);
  assert.match(svg, /New York: new cases a day and 7-day average/);
  assert.match(svg, /Jul 8, 2021: /, 'the newest day');
  await context.close();
});

test('a state shown maps its counties: each a link named with its figure, a click shows it', async () => {
  const p = await watch(await browser.newPage({ viewport: { width: 1100, height: 1000 } }));
  await p.goto(`${SITE}/?region=TX`);
  await p.locator('#map svg').waitFor();
  assert.match(await p.locator('#map svg').getAttribute('aria-label'), /by county: Texas$/);
  const counties = (await (await fetch(`${SITE}/v1/regions/TX/counties`)).json()).counties;
  const links = await p.locator('#map a.region').evaluateAll((as) => as.map((a) => a.dataset.region));
  for (const c of counties) assert.ok(links.includes(c.id), `${c.id} (${c.name}) is on the map`);
  await p.locator('#map').screenshot({ path: `${ARTIFACTS}/county-map-tx.png` });
  const harris = p.locator('#map a[data-region="48201"]');
  assert.match(await harris.getAttribute('aria-label'), /^Harris, Texas: \d+\.\d new cases per 100,000, 7-day average$/);
  // Deaths: the same map by the other metric.
  await p.click('#map-deaths');
  await p.waitForFunction(() => /deaths per 100,000/.test(document.querySelector('#map a[data-region="48201"]')?.getAttribute('aria-label')));
  // A click shows the county in place; its state's counties stay mapped.
  await p.locator('#map a[data-region="48201"] path').click();
  await p.locator('h1').getByText('Harris, Texas COVID-19: cases and deaths').waitFor();
  await p.waitForFunction(() => new URL(location.href).searchParams.get('region') === '48201');
  assert.match(await p.locator('#map svg').getAttribute('aria-label'), /by county: Texas$/);
  // Compared places, or the nation: the states' map again.
  await p.locator('#compare-levels').click();
  await p.waitForFunction(() => /by state$/.test(document.querySelector('#map svg')?.getAttribute('aria-label')));
  await p.close();
});

test('the map draws every state and territory with its /v1/regions figure, after the chart', async () => {
  await page.goto(`${SITE}/`);
  await chart().locator('svg polyline[stroke-width="2"]').first().waitFor();
  await page.locator('#map svg').waitFor();
  assert.equal(await page.locator('#map svg path').count(), 51, '50 states and DC');
  assert.equal(await page.locator('#map svg rect.tile').count(), 4, 'PR, GU, VI, MP');
  const labels = async () => page.locator('#map a.region').evaluateAll((links) =>
    Object.fromEntries(links.map((a) => [a.dataset.region, a.getAttribute('aria-label')])));
  const regions = (await (await fetch(`${SITE}/v1/regions`)).json()).regions.filter((r) => r.id !== 'US');
  // Each figure to one decimal (half away from zero, never -0.0); a negative one is a revision.
  const expected = (metric) => Object.fromEntries(regions.map((r) => {
    const v = r.latest?.[`avg7_${metric}_per_100k`];
    if (v == null) return [r.id, `${r.name}: no ${metric} per 100,000 (no population or no data)`];
    const shown = (Math.sign(v) * Math.round(Math.abs(v) * 10)) / 10 || 0;
    const revised = shown < 0 ? ' (the source revised its total down)' : '';
    return [r.id, `${r.name}: ${shown.toFixed(1)} new ${metric} per 100,000, 7-day average${revised}`];
  }));
  // Every legend label is its own.
  const legend = async () => page.locator('#map .legend text.key[y="656"]').allTextContents();
  assert.deepEqual(await labels(), expected('cases'));
  // Loaded after the chart: its request starts after the series the chart draws has arrived.
  const [seriesEnd, mapStart] = await page.evaluate(() => {
    const entries = performance.getEntriesByType('resource');
    return [entries.find((e) => e.name.endsWith('/v1/series')).responseEnd,
      entries.find((e) => e.name.includes('/v1/map.svg')).startTime];
  });
  assert.ok(mapStart >= seriesEnd, `map requested at ${mapStart} ms, the series answered at ${seriesEnd} ms`);
  // The 55 links can be passed by from the keyboard.
  await page.locator('#map-deaths').focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('href')), '#ranking');
  assert.ok(await page.locator('a.skip').isVisible(), 'the skip link shows when focused');
  // Hover and focus show the value; Enter on New York's shape shows New York, in place.
  const ny = page.locator('#map a[data-region="NY"]');
  await ny.focus();
  assert.ok(await ny.locator('text.value').isVisible(), 'the focused shape shows its value');
  await page.screenshot({ path: `${ARTIFACTS}/map.png`, fullPage: true });
  await page.keyboard.press('Enter');
  await page.locator('h1').getByText('New York COVID-19: cases and deaths').waitFor();
  assert.match(page.url(), /region=NY/);
  // New York shown: the map is its counties'; the nation again, the states'.
  await page.waitForFunction(() => /by county: New York$/.test(document.querySelector('#map svg')?.getAttribute('aria-label')));
  await choose(page, 'United States');
  await page.waitForFunction(() => /by state$/.test(document.querySelector('#map svg')?.getAttribute('aria-label')));
  // ?map=deaths: the other metric, kept in the URL.
  await page.click('#map-deaths');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('map') === 'deaths');
  await page.waitForFunction(() => document.querySelector('#map a.region')?.getAttribute('aria-label').includes('deaths'));
  assert.deepEqual(await labels(), expected('deaths'));
  assert.equal(await page.getAttribute('#map-deaths', 'aria-pressed'), 'true');
  // Deaths per 100k are small (steps of tenths) and California's is negative on 2021-07-08.
  const keys = await legend();
  assert.equal(new Set(keys).size, keys.length, `legend labels repeat: ${keys}`);
  assert.ok(keys.includes('< 0'), `a bin below 0 for California: ${keys}`);
});

/** A state's snapshot rows and JHU population: the expected per-100k values, computed here. */
const stateRows = readFileSync('data/snapshot/nyt-us-states.csv', 'utf8').split('\n');
const reference = readFileSync('data/snapshot/jhu-reference.csv', 'utf8').split('\n');
function per_100k(name, fips, metric, date) {
  const column = metric === 'cases' ? 3 : 4;
  const at = (d) => Number(stateRows.find((l) => l.startsWith(`${d},${name},${fips},`)).split(',')[column]);
  const week = new Date(`${date}T00:00:00Z`);
  week.setUTCDate(week.getUTCDate() - 7);
  const population = Number(reference.find((l) => l.startsWith(`840000${fips},`)).split(',').at(-1));
  return ((at(date) - at(week.toISOString().slice(0, 10))) / 7 * 100000 / population).toFixed(1);
}

test('?compare=NY,CA,TX draws three labelled lines per metric, per capita', async () => {
  await page.goto(`${SITE}/?compare=NY,CA,TX`);
  await page.locator('h1').getByText('Compared: New York, California, Texas').waitFor();
  await page.locator('.chart svg polyline[stroke-width="2"]').first().waitFor();
  assert.deepEqual(await page.locator('.chart').evaluateAll((els) => els.map((e) => [e.dataset.metric, e.dataset.lines])),
    [['cases', '3'], ['deaths', '3']], 'no per-capita recoveries');
  for (const panel of ['cases', 'deaths']) {
    const texts = (await page.locator(`.chart[data-metric="${panel}"] svg text`).allTextContents()).map((t) => t.trim());
    for (const id of ['NY', 'CA', 'TX']) assert.ok(texts.includes(id), `${panel}: ${id} labels its line end`);
    // Three colours, one per region (Okabe-Ito), and not the only cue: the labels above.
    const strokes = await page.locator(`.chart[data-metric="${panel}"] svg polyline[stroke-width="2"]`)
      .evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('stroke').toUpperCase()))]);
    assert.deepEqual(strokes.sort(), ['#0072B2', '#009E73', '#D55E00']);
  }
  assert.match(await page.locator('figcaption .legend').innerText(), /New York \(NY\)[\s\S]*California \(CA\)[\s\S]*Texas \(TX\)/);
  // The view says what the charts show: 7-day averages per 100k, not the cumulative counts.
  assert.deepEqual(await page.locator('input[name="view"]').evaluateAll((els) => els.map((e) => [e.id, e.checked])),
    [['view-cumulative', false], ['view-daily', false], ['view-per-100k', true]], 'per 100k by default');
  assert.deepEqual(await page.locator('input[name="recovered"]').evaluate((e) => [e.checked, e.disabled]), [false, true],
    'no per-capita recoveries: their box is neither checked nor available');
  assert.equal(await page.locator('#region').inputValue(), '', 'the search field names no single place');
  await page.locator('.charts').focus();
  await page.keyboard.press('End');
  const readout = await page.locator('#readout').textContent();
  const expected = [['New York', '36', 'NY'], ['California', '06', 'CA'], ['Texas', '48', 'TX']]
    .map(([name, fips, id]) => `${id} cases ${per_100k(name, fips, 'cases', '2021-07-08')} per 100k (7-day avg)`);
  assert.equal(readout, `2021-07-08: ${expected.join(', ')}, ${[['New York', '36', 'NY'], ['California', '06', 'CA'], ['Texas', '48', 'TX']]
    .map(([name, fips, id]) => `${id} deaths ${per_100k(name, fips, 'deaths', '2021-07-08')} per 100k (7-day avg)`).join(', ')}`);
  await page.screenshot({ path: `${ARTIFACTS}/compare-ny-ca-tx.png`, fullPage: true });

  // Add Florida (the search field finds it), remove California, stop comparing: the URL
  // follows each step, and the focus stays in the field while the charts are drawn anew.
  await page.locator('#compare-add').click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'region');
  await page.keyboard.type('florida');
  await page.locator('#places [data-id="FL"]').waitFor();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('compare') === 'NY,CA,TX,FL');
  await page.locator('.chart[data-lines="4"]').first().waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'region');
  await page.getByRole('button', { name: 'Remove California from the comparison' }).click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('compare') === 'NY,TX,FL');
  await page.click('#compare-stop');
  await page.locator('h1').getByText('New York COVID-19: cases and deaths').waitFor();
  assert.equal(new URL(page.url()).search, '?region=NY');
});

test('the ranking sorts by each column and links to each region', async () => {
  await page.goto(`${SITE}/`);
  const table = page.locator('#ranking');
  await table.locator('tbody tr').first().waitFor();
  const regions = await (await fetch(`${SITE}/v1/regions`)).json();
  assert.equal(await table.locator('tbody tr').count(), regions.regions.length, 'one row per region of /v1/regions');
  // The nation's newest day is earlier than the states': said once, under the table.
  assert.equal(await page.locator('.ranking .note').innerText(), "The United States' series ends on Mar 16, 2021, "
    + "the last day of Johns Hopkins' recoveries, which it joins; the states' go on to Jul 8, 2021.");
  const column = async (n) => (await table.locator(`tbody tr td:nth-child(${n})`).allTextContents())
    .filter((t) => t !== 'n/a').map(Number);
  const descending = (v) => v.every((x, i) => i === 0 || v[i - 1] >= x);
  assert.ok(descending(await column(2)), 'cases per 100k, highest first');
  assert.equal(await table.locator('th[aria-sort="descending"] button').textContent(), 'Cases per 100k');
  // The top row is the highest value of the API's own answer.
  const top = regions.regions.filter((r) => r.latest?.avg7_cases_per_100k != null)
    .sort((a, b) => b.latest.avg7_cases_per_100k - a.latest.avg7_cases_per_100k)[0];
  assert.equal(await table.locator('tbody tr th a').first().textContent(), top.name);
  assert.equal(await table.locator('tbody tr td').first().textContent(), top.latest.avg7_cases_per_100k.toFixed(1));

  await table.locator('button[data-sort="deaths"]').click();
  assert.ok(descending(await column(3)), 'deaths per 100k, highest first');
  await table.locator('button[data-sort="deaths"]').click();
  assert.equal(await table.locator('th[aria-sort="ascending"] button').textContent(), 'Deaths per 100k');
  const up = await column(3);
  assert.ok(up.every((x, i) => i === 0 || up[i - 1] <= x), 'lowest first');
  await table.locator('button[data-sort="name"]').click();
  const names = await table.locator('tbody tr th a').allTextContents();
  assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b)));

  // A row's link charts its region in place (no reload), and is a real link.
  await page.evaluate(() => { window.notReloaded = true; });
  const texas = table.getByRole('link', { name: 'Texas' });
  assert.equal(await texas.getAttribute('href'), '?region=TX');
  await texas.click();
  await page.locator('h1').getByText('Texas COVID-19: cases and deaths').waitFor();
  assert.equal(new URL(page.url()).searchParams.get('region'), 'TX');
  assert.equal(await page.evaluate(() => window.notReloaded), true);
  await page.screenshot({ path: `${ARTIFACTS}/ranking.png`, fullPage: true });
});

test('every control works from the keyboard alone', async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 1000 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: SITE });
  const keys = await watch(await context.newPage());
  await keys.goto(`${SITE}/`);
  await keys.locator('.chart svg polyline[stroke-width="2"]').first().waitFor();
  /** Tabs (forward, or back with Shift+Tab) until `selector` has the focus (at most 80 presses). */
  const tabTo = async (selector, key = 'Tab') => {
    for (let i = 0; i < 80; i += 1) {
      if (await keys.evaluate((s) => document.activeElement?.matches(s), selector)) return;
      await keys.keyboard.press(key);
    }
    assert.fail(`${selector} is not reachable with Tab`);
  };
  await keys.keyboard.press('Tab');
  await tabTo('#region');
  await keys.keyboard.type('alab');
  await keys.locator('#places [data-id="AL"]').waitFor();
  await keys.keyboard.press('ArrowDown'); // Alabama, the state before its counties
  await keys.keyboard.press('Enter');
  await keys.locator('h1').getByText('Alabama COVID-19').waitFor();
  await tabTo('input[name="view"]');
  await keys.keyboard.press('ArrowRight'); // radio group: daily
  await keys.waitForFunction(() => new URL(location.href).searchParams.get('view') === 'daily');
  await keys.keyboard.press('ArrowRight'); // the same group: per 100k
  await keys.waitForFunction(() => new URL(location.href).searchParams.get('percap') === '1');
  await tabTo('#log-toggle');
  await keys.keyboard.press('Enter');
  await keys.waitForFunction(() => new URL(location.href).searchParams.get('scale') === 'log');
  await tabTo('button[data-range="90d"]');
  await keys.keyboard.press('Enter');
  await keys.waitForFunction(() => document.querySelector('.chart')?.dataset.days === '90');
  await tabTo('button[data-range="custom"]');
  await keys.keyboard.press('Enter');
  await tabTo('#from');
  assert.equal(await keys.inputValue('#from'), '2020-03-13', "Alabama's first day");
  await keys.keyboard.press('ArrowUp'); // the month segment, one up
  await keys.waitForFunction(() => new URL(location.href).searchParams.get('from') === '2020-04-13');
  assert.equal(await keys.evaluate(() => document.activeElement?.id), 'from', 'the date keeps its focus');
  await tabTo('button[data-range="90d"]', 'Shift+Tab');
  await keys.keyboard.press('Enter');
  await tabTo('input[name="deaths"]');
  await keys.keyboard.press('Space');
  await keys.waitForFunction(() => new URL(location.href).searchParams.get('metrics') === 'cases,recovered');
  await tabTo('#compare-add');
  await keys.keyboard.press('Enter'); // to the search field, which adds what it finds
  await keys.keyboard.type('united');
  await keys.locator('#places [data-id="US"]').waitFor();
  await keys.keyboard.press('ArrowDown');
  await keys.keyboard.press('Enter');
  await keys.waitForFunction(() => new URL(location.href).searchParams.get('compare') === 'AL,US');
  await tabTo('#table-toggle');
  await keys.keyboard.press('Enter');
  await keys.locator('#data-table tbody tr').first().waitFor();
  await tabTo('#copy-link');
  await keys.keyboard.press('Enter');
  await keys.locator('#copy-status').getByText('Link copied.').waitFor();
  assert.equal(await keys.evaluate(() => navigator.clipboard.readText()), keys.url(), 'the link reproduces this view');
  await tabTo('.charts');
  await keys.keyboard.press('End');
  assert.match(await keys.locator('#readout').textContent(), /^2021-07-08: AL cases /);
  await tabTo('#ranking button[data-sort="cases"]');
  await keys.keyboard.press('Enter');
  await keys.locator('#ranking th[aria-sort="ascending"]').waitFor();
  await tabTo('#ranking a');
  await keys.keyboard.press('Enter');
  await keys.waitForFunction(() => new URL(location.href).searchParams.has('region') && !new URL(location.href).searchParams.has('compare'));
  await keys.screenshot({ path: `${ARTIFACTS}/keyboard.png`, fullPage: true });

  // The copied link, opened anew, draws the same view.
  const copied = await keys.evaluate(() => navigator.clipboard.readText());
  const again = await watch(await context.newPage());
  await again.goto(copied);
  await again.locator('h1').getByText('Compared: Alabama, United States').waitFor();
  assert.equal(await again.getAttribute('#log-toggle', 'aria-pressed'), 'true');
  assert.equal(await again.locator('.chart').count(), 1, 'cases only: recoveries have no per-capita chart');
  await context.close();
});

test('a 360 px screen: a chart on the first screen, every control one tap away, nothing sideways', async () => {
  const narrow = await watch(await browser.newPage({ viewport: { width: 360, height: 740 } }));
  for (const query of ['', '?compare=NY,CA,TX,FL,IL,PA&table=1', '?region=NY&view=daily&percap=1']) {
    await narrow.goto(`${SITE}/${query}`);
    await narrow.locator('.chart svg polyline[stroke-width="2"]').first().waitFor();
    await narrow.locator('#ranking tbody tr').first().waitFor();
    const width = await narrow.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${query || 'the default view'} is ${width} px wide`);
    const more = narrow.locator('#more-options');
    if (!query.includes('compare')) {
      // The first screen: the view's one line of options, then the first chart, at least its
      // upper half; the other options are folded under "More options".
      const first = await narrow.locator('.chart').first().boundingBox();
      assert.ok(first.y + first.height / 2 <= 740, `the first chart is at ${JSON.stringify(first)}`);
      assert.ok(await narrow.locator('#view-daily').isVisible());
      assert.equal(await narrow.locator('#log-toggle').isVisible(), false, 'folded');
      await more.locator('> summary').click();
    } else {
      assert.equal(await more.evaluate((e) => e.open), true, 'a comparison opens the options that show it');
    }
    for (const control of ['#region', '#view-per-100k', '#log-toggle', '#compare-add', '#copy-link', '#table-toggle']) {
      const box = await narrow.locator(control).boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 360, `${control} within the screen: ${JSON.stringify(box)}`);
    }
    // The ranking's columns fit: nothing to scroll sideways to.
    const [tableWidth, boxWidth] = await narrow.locator('.rank-wrap').evaluate((e) => [e.scrollWidth, e.clientWidth]);
    assert.ok(tableWidth <= boxWidth, `the ranking is ${tableWidth} px in ${boxWidth} px`);
    await narrow.screenshot({ path: `${ARTIFACTS}/360px${query.replace(/[?&=,]/g, '-')}.png`, fullPage: true });
  }
  // The map's legend is legible: its narrow layout, whose text is at least 10 px high.
  await narrow.locator('#map svg').waitFor();
  assert.equal(await narrow.locator('#map .legend.wide').isVisible(), false);
  const heights = await narrow.locator('#map .legend.narrow text').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
  assert.ok(heights.length >= 3 && heights.every((h) => h >= 10), `legend text heights ${heights}`);
  // The date read sits above its chart, on one line each, not over the newest days.
  await narrow.locator('.charts').focus();
  await narrow.keyboard.press('End');
  const tip = narrow.locator('.chart .tooltip').first();
  await tip.waitFor();
  const [tipBox, chartBox] = [await tip.boundingBox(), await narrow.locator('.chart').first().boundingBox()];
  assert.ok(tipBox.y + tipBox.height <= chartBox.y + 1, `tooltip ${JSON.stringify(tipBox)} over chart ${JSON.stringify(chartBox)}`);
  assert.ok(tipBox.x >= 0 && tipBox.x + tipBox.width <= 360, `tooltip ${JSON.stringify(tipBox)}`);
  const wrapped = await tip.evaluate((e) => [...e.children].filter((line) => line.getClientRects().length > 1
    || line.getBoundingClientRect().height > 1.6 * parseFloat(getComputedStyle(line).lineHeight || '20')).length);
  assert.equal(wrapped, 0, 'no line of the tooltip wraps');
  await narrow.screenshot({ path: `${ARTIFACTS}/360px-tooltip.png` });
  await narrow.close();
});
