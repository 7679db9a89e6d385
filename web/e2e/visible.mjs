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
