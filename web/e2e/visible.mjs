// Time from navigation to a drawn chart (the series lines in the SVG), over fresh browser
// contexts (cold cache each time). usage: node web/e2e/visible.mjs URL RUNS
import { chromium } from 'playwright-core';

const [url, runs = '5'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const times = [];
for (let i = 0; i <= Number(runs); i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const start = Date.now();
  await page.goto(url);
  await page.locator('.chart svg polyline[stroke-width="2"]').first().waitFor();
  if (i > 0) times.push(Date.now() - start); // the first run warms the server and disk cache
  await context.close();
}
await browser.close();
times.sort((a, b) => a - b);
console.log(`chart visible after navigation, ${times.length} cold-cache loads: median ${times[times.length >> 1]} ms, min ${times[0]} ms, max ${times[times.length - 1]} ms`);

// Region switch: from the end of the chosen region's series response (Resource Timing) to its
// charts drawn, over ten regions chosen in turn with the search field (each fetched once).
const switcher = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await switcher.newPage({ viewport: { width: 1100, height: 1000 } });
await page.goto(url);
await page.locator('.chart svg polyline[stroke-width="2"]').first().waitFor();
const switches = [];
for (const id of ['NY', 'CA', 'TX', 'FL', 'IL', 'PA', 'OH', 'GA', 'NC', 'MI']) {
  const ms = await page.evaluate(async (id) => {
    const old = document.querySelector('.chart');
    const drawn = new Promise((resolve) => {
      const check = () => {
        const now = document.querySelector('.chart');
        if (now && now !== old && now.querySelector('svg polyline[stroke-width="2"]')) {
          observer.disconnect();
          resolve(performance.now());
        }
      };
      const observer = new MutationObserver(check);
      observer.observe(document.body, { subtree: true, childList: true });
    });
    // The search field finds a region by its id; a press on the option shows it.
    const field = document.querySelector('#region');
    field.value = id;
    field.dispatchEvent(new Event('input'));
    document.querySelector(`#places [data-id="${id}"]`)
      .dispatchEvent(new MouseEvent('mousedown', { bubbles: true, cancelable: true }));
    const end = await drawn;
    const entry = performance.getEntriesByType('resource').filter((e) => e.name.endsWith(`/v1/regions/${id}/series`)).at(-1);
    return end - entry.responseEnd;
  }, id);
  switches.push(Math.round(ms * 10) / 10);
}
await switcher.close();
switches.sort((a, b) => a - b);
console.log(`region switch, from the series response's end to the drawn charts, ${switches.length} regions: median ${switches[switches.length >> 1]} ms, min ${switches[0]} ms, max ${switches[switches.length - 1]} ms`);
