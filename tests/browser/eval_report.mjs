// The HTML report of `groundline eval` (src/eval/report_html.h) in headless
// Debian chromium: opened from file:// with every request but the page's
// own blocked (and failing the check), each svg.plot drawn with a size, the
// expected series there with visible points, and a screenshot whose first
// plot is not blank.
//
// Usage: node eval_report.mjs REPORT_HTML [PLOT=SERIES,SERIES...]...
//   PLOT is an svg's data-plot (metrics, latency, chunking), SERIES the
//   data-series names it must hold; "PLOT=" only requires the plot. Without
//   PLOT arguments: metrics with its six series, latency with p50, p95, p99.
// Exits 77 (CTest's skip code) when chromium or playwright-core is not
// installed; GROUNDLINE_CHROMIUM overrides /usr/bin/chromium. Leaves the
// screenshot beside REPORT_HTML, named as it with .png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const usage = 'usage: node eval_report.mjs REPORT_HTML [PLOT=SERIES,SERIES...]...';
const [htmlArg, ...plotArgs] = process.argv.slice(2);
if (!htmlArg || !existsSync(htmlArg)) {
  console.error(htmlArg ? `${htmlArg} does not exist` : usage);
  process.exit(2);
}
const chromiumPath = process.env.GROUNDLINE_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromiumPath)) {
  console.log(`${chromiumPath} is not installed (apt-get install chromium): skipped`);
  process.exit(77);
}
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  console.log('playwright-core is not installed (npm ci, see tests/CMakeLists.txt): skipped');
  process.exit(77);
}

// { plot: [series, ...] } from the PLOT=SERIES,... arguments.
function expectedPlots(args) {
  if (args.length === 0) {
    return {
      metrics: ['recall_at_1', 'recall_at_5', 'recall_at_10', 'mrr', 'ndcg_at_10', 'accuracy'],
      latency: ['p50', 'p95', 'p99'],
    };
  }
  const plots = {};
  for (const arg of args) {
    const m = /^([\w-]+)=(.*)$/.exec(arg);
    if (!m) {
      console.error(`not PLOT=SERIES,...: ${arg}\n${usage}`);
      process.exit(2);
    }
    plots[m[1]] = m[2] ? m[2].split(',') : [];
  }
  return plots;
}

const expected = expectedPlots(plotArgs);
const htmlPath = resolve(htmlArg);
const pageUrl = pathToFileURL(htmlPath).href;
const screenshotPath = htmlPath.replace(/(\.html?)?$/, '.png');

let browser;
let page;
const requests = [];  // every URL the page asked for, its own included
const blocked = [];   // the ones the route handler refused
const problems = [];  // uncaught exceptions and console errors (a CSP refusal logs one)

before(async () => {
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(15000);
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url === pageUrl) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  page = await context.newPage();
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  await page.goto(pageUrl, { waitUntil: 'load' });
});

after(async () => {
  await browser?.close();
});

test('the page loads from file:// and asks for nothing else', () => {
  assert.deepEqual(requests.filter((url) => url !== pageUrl), []);
  assert.deepEqual(blocked, []);
});

test('every plot is drawn with a size', async () => {
  const boxes = await page.locator('svg.plot').evaluateAll((svgs) => svgs.map((svg) => {
    const r = svg.getBoundingClientRect();
    return { plot: svg.dataset.plot, width: r.width, height: r.height };
  }));
  assert.ok(boxes.length > 0, 'no svg.plot in the page');
  for (const box of boxes) assert.ok(box.width > 0 && box.height > 0, `plot ${box.plot} is ${box.width}x${box.height}`);
});

test('the expected plots hold their series with visible points', async () => {
  for (const [plot, seriesNames] of Object.entries(expected)) {
    const svg = page.locator(`svg.plot[data-plot="${plot}"]`);
    assert.equal(await svg.count(), 1, `plot ${plot}`);
    for (const name of seriesNames) {
      const series = svg.locator(`g.series[data-series="${name}"]`);
      assert.equal(await series.count(), 1, `series ${name} of plot ${plot}`);
      const points = await series.locator(':scope > rect, :scope > circle').evaluateAll((elements) =>
        elements.map((e) => {
          const r = e.getBoundingClientRect();
          return { width: r.width, height: r.height, value: e.getAttribute('data-value') };
        }));
      assert.ok(points.length > 0, `series ${name} of plot ${plot} has no points`);
      for (const p of points) {
        assert.ok(p.width > 0 && p.height > 0, `a point of ${plot}/${name} is ${p.width}x${p.height}`);
        assert.ok(p.value !== null && Number.isFinite(Number(p.value)), `${plot}/${name} data-value ${p.value}`);
      }
    }
  }
});

test('a screenshot shows the first plot painted', async () => {
  await page.screenshot({ path: screenshotPath, fullPage: true });
  assert.ok(statSync(screenshotPath).size > 10000, `${screenshotPath} is only ${statSync(screenshotPath).size} bytes`);
  const plot = await page.locator('svg.plot').first().screenshot();
  const share = await inkShare(plot);
  assert.ok(share > 0.02, `only ${(share * 100).toFixed(2)}% of the first plot's pixels are not white`);
});

test('the page threw nothing and logged no error', () => {
  assert.deepEqual(problems, []);
});

// The share of a PNG's pixels that are clearly not white, counted by the
// browser in a blank page of its own.
async function inkShare(png) {
  const blank = await page.context().newPage();
  try {
    return await blank.evaluate(async (data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const context = canvas.getContext('2d');
      context.drawImage(bitmap, 0, 0);
      const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
      let ink = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        if (Math.min(pixels[i], pixels[i + 1], pixels[i + 2]) < 230) ink++;
      }
      return ink / (pixels.length / 4);
    }, png.toString('base64'));
  } finally {
    await blank.close();
  }
}
