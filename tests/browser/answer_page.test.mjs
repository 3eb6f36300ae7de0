// The support agents' page (web/index.html, embedded in the binary) in
// headless Debian chromium against the real `groundline serve`: asking,
// citation chips, the source panel with the cited lines highlighted (with a
// screenshot whose pixels are checked), abstention, errors, the API key,
// and that server text is never parsed as markup.
//
// run.sh installs playwright-core and sets GROUNDLINE_BINARY,
// GROUNDLINE_SOURCE_DIR, GROUNDLINE_WORK_DIR (where the knowledge base, the
// server's files and the screenshot go) and GROUNDLINE_CHROMIUM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const bin = process.env.GROUNDLINE_BINARY;
const src = process.env.GROUNDLINE_SOURCE_DIR;
const work = process.env.GROUNDLINE_WORK_DIR ?? process.cwd();
const chromiumPath = process.env.GROUNDLINE_CHROMIUM ?? '/usr/bin/chromium';
assert.ok(bin && src, 'GROUNDLINE_BINARY and GROUNDLINE_SOURCE_DIR must be set (see run.sh)');

const apiKey = 'sk-browser-test';
const answerable = 'What is the maximum upload size on the Starter plan?';
const unanswerable = 'What does error E801 mean?';
const screenshotPath = join(work, 'answer-panel.png');

let server;       // the `groundline serve` child process
let serverLog = '';
let origin;       // http://127.0.0.1:PORT
let context;      // the browser (a persistent context with a fresh profile)
let page;
const requests = [];    // every URL the page asked for
const pageErrors = [];  // uncaught exceptions in the page
let grounded;           // the answer JSON of `answerable`, as the API sent it

function run(args) {
  const result = spawnSync(bin, args, { encoding: 'utf8' });
  assert.equal(result.status, 0, `groundline ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
}

// Starts `groundline serve --port 0` and resolves to the URL it prints.
function startServer(kb, config) {
  return new Promise((resolve, reject) => {
    server = spawn(bin, ['serve', '--kb', kb, '--port', '0', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => reject(new Error(`groundline serve did not start within 20 s:\n${serverLog}`)), 20000);
    server.stderr.on('data', (d) => { serverLog += d; });
    server.stdout.on('data', (d) => {
      serverLog += d;
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(serverLog);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.on('exit', (code) => { clearTimeout(timer); reject(new Error(`groundline serve exited (${code}):\n${serverLog}`)); });
  });
}

before(async () => {
  mkdirSync(work, { recursive: true });
  const kb = join(work, 'acme.db');
  for (const f of [kb, `${kb}-wal`, `${kb}-shm`]) rmSync(f, { force: true });
  run(['ingest', join(src, 'examples/acme/docs'), '--config', join(src, 'examples/acme/groundline.yaml'), '--kb', kb]);
  const config = join(work, 'server.yaml');
  writeFileSync(config, `api_keys: [${apiKey}]\n`);
  origin = await startServer(kb, config);

  const profile = join(work, 'chromium-profile');
  rmSync(profile, { recursive: true, force: true });
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(15000);
  page = context.pages()[0] ?? await context.newPage();
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => pageErrors.push(String(e)));
});

after(async () => {
  await context?.close();
  if (server && server.exitCode === null) {
    server.removeAllListeners('exit');
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    assert.equal(await exited, 0, `groundline serve did not stop cleanly:\n${serverLog}`);
  }
});

// Types `text` as the question and presses Enter; resolves to the
// /v1/answer response.
async function askWithEnter(text) {
  await page.fill('#question', text);
  const response = page.waitForResponse((r) => r.url() === `${origin}/v1/answer`);
  await page.press('#question', 'Enter');
  return response;
}

test('the page is served at / and asks for an API key when the server wants one', async () => {
  await page.goto(origin + '/');
  assert.match(await page.title(), /groundline/);
  // Every control has a label.
  for (const id of ['question', 'api-key', 'k']) assert.equal(await page.locator(`label[for=${id}], label:has(#${id})`).count(), 1, id);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'question');

  const response = await askWithEnter(answerable);
  assert.equal(response.status(), 401);
  await page.waitForSelector('#error:not(:empty)');
  assert.match(await page.textContent('#error'), /^Error 401: missing API key/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'api-key');
});

test('an empty question shows an error without asking the server', async () => {
  const before = requests.length;
  await page.fill('#question', '   ');
  await page.click('#ask-button');
  assert.equal(await page.textContent('#error'), 'Error: type a question first.');
  assert.equal(requests.length, before);
});

test('the API key is kept across reloads and the answer shows with a chip per citation', async () => {
  await page.fill('#api-key', apiKey);
  await page.reload();
  assert.equal(await page.inputValue('#api-key'), apiKey);
  assert.equal(await page.evaluate(() => localStorage.getItem('groundline.apiKey')), apiKey);

  const response = await askWithEnter(answerable);
  assert.equal(response.status(), 200);
  assert.equal(response.request().headers().authorization, `Bearer ${apiKey}`);
  grounded = await response.json();
  assert.ok(grounded.grounded && !grounded.abstained, 'the example docs answer this question');
  await page.waitForSelector('#answer .answer-text');
  assert.equal(await page.textContent('#error'), '');

  const sentences = await page.locator('#answer .sentence').evaluateAll((spans) =>
    spans.map((s) => ({ text: s.firstChild.textContent, marks: [...s.querySelectorAll('button.cite')].map((b) => b.textContent) })));
  assert.deepEqual(sentences, grounded.sentences.map((s) => ({
    text: s.text,
    marks: s.citations.map((c) => `[${c.source}:${c.last_line > c.first_line ? `${c.first_line}-${c.last_line}` : c.first_line}]`),
  })));
  assert.match(await page.textContent('#answer .answer-text'), /2 GB/);
  assert.ok(await page.locator('#answer button.cite').count() >= 1);
  assert.match(await page.textContent('#answer .meta'), /confidence \d+%.*total [\d.]+ m?s/);
  assert.equal(await page.locator('#answer .banner').count(), 0);
});

test('a chip opens the cited lines highlighted in their document, and Escape closes it', async () => {
  // The citation of the Starter plan's own page when there is one.
  const citations = grounded.sentences.flatMap((s) => s.citations);
  const index = Math.max(0, citations.findIndex((c) => c.path === 'plans/starter.md'));
  const cited = citations[index];
  const chip = page.locator('#answer button.cite').nth(index);
  const documentResponse = page.waitForResponse((r) => r.url().startsWith(`${origin}/v1/documents/`));
  // From the keyboard: a chip is a button in the tab order.
  await chip.focus();
  await page.keyboard.press('Enter');
  const served = await documentResponse;
  assert.equal(served.url(), `${origin}/v1/documents/${cited.doc_id}?version=${cited.version}`);
  assert.equal(served.status(), 200);
  assert.equal(served.request().headers().authorization, `Bearer ${apiKey}`);

  await page.waitForSelector('#panel .line.hit');
  assert.equal(await chip.getAttribute('aria-expanded'), 'true');
  assert.equal(await page.textContent('#panel-title'), cited.title);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'panel-title');
  const hits = page.locator('#panel .line.hit');
  const numbers = await hits.evaluateAll((rows) => rows.map((r) => Number(r.dataset.line)));
  const expected = [];
  for (let n = cited.first_line; n <= cited.last_line; n++) expected.push(n);
  assert.deepEqual(numbers, expected);
  const texts = await page.locator('#panel .line.hit .lt').evaluateAll((cells) =>
    cells.map((c) => c.lastChild.textContent));  // the line's text, after its screen-reader label
  assert.equal(texts.join('\n'), cited.quote);
  // The whole document is there, with the cited lines scrolled into view.
  assert.ok(await page.locator('#panel .line').count() > expected.length);
  const panelBox = await page.locator('#panel-lines').boundingBox();
  const hitBox = await hits.first().boundingBox();
  assert.ok(hitBox.y >= panelBox.y && hitBox.y + hitBox.height <= panelBox.y + panelBox.height,
    `the cited line (y ${hitBox.y}) is outside the panel's view (${panelBox.y}..${panelBox.y + panelBox.height})`);

  // The screenshot: a real image, and the highlight really painted.
  await page.screenshot({ path: screenshotPath });
  assert.ok(statSync(screenshotPath).size > 30000, `${screenshotPath} is only ${statSync(screenshotPath).size} bytes`);
  const highlight = await hits.first().evaluate((row) => getComputedStyle(row).backgroundColor);
  const [r, g, b] = highlight.match(/\d+/g).map(Number);
  assert.notDeepEqual([r, g, b], [255, 255, 255], 'the highlight has a colour');
  const clip = await page.screenshot({ clip: hitBox });
  const share = await shareOfColour(clip, [r, g, b]);
  assert.ok(share > 0.5, `only ${(share * 100).toFixed(1)}% of the cited line's pixels are the highlight ${highlight}`);
  // The line above the cited ones (below, for a citation of line 1) is in view too, and plain.
  const neighbour = cited.first_line > 1 ? cited.first_line - 1 : cited.last_line + 1;
  const neighbourBox = await page.locator(`#panel .line[data-line="${neighbour}"]`).boundingBox();
  const plain = await shareOfColour(await page.screenshot({ clip: neighbourBox }), [r, g, b]);
  assert.ok(plain < 0.05, `an uncited line is highlighted too (${(plain * 100).toFixed(1)}%)`);

  await page.keyboard.press('Escape');
  await page.waitForSelector('#panel', { state: 'hidden' });
  assert.equal(await chip.getAttribute('aria-expanded'), 'false');
  assert.ok(await chip.evaluate((b) => b === document.activeElement), 'focus returns to the chip');
});

// The share of a PNG's pixels within 8 of `rgb` in every channel, decoded
// by the browser in a page of its own.
async function shareOfColour(png, rgb) {
  const blank = await context.newPage();
  try {
    return await blank.evaluate(async ({ data, rgb }) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d');
      ctx.drawImage(bitmap, 0, 0);
      const pixels = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
      let same = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        if (Math.abs(pixels[i] - rgb[0]) <= 8 && Math.abs(pixels[i + 1] - rgb[1]) <= 8 && Math.abs(pixels[i + 2] - rgb[2]) <= 8) same++;
      }
      return same / (pixels.length / 4);
    }, { data: png.toString('base64'), rgb });
  } finally {
    await blank.close();
  }
}

test('an unanswerable question shows the abstention banner with its reason', async () => {
  const response = await askWithEnter(unanswerable);
  const answer = await response.json();
  assert.ok(answer.abstained, `the example docs do not answer "${unanswerable}", but the server answered: ${answer.text}`);
  const banner = page.locator('#answer .banner.abstained');
  await banner.waitFor();
  assert.match(await banner.textContent(), /Not found in the documentation — marked for a human/);
  if (answer.abstain_reason) assert.ok((await banner.textContent()).includes(answer.abstain_reason));
  assert.equal(await page.locator('#answer button.cite').count(), 0);
  assert.equal(await page.textContent('#error'), '');
});

test("the server's 400 for a bad filter shows in the error line", async () => {
  await page.fill('#filter-key-1', 'updated_after');
  await page.fill('#filter-value-1', 'last week');
  const response = await askWithEnter(answerable);
  assert.equal(response.status(), 400);
  const { error } = await response.json();
  await page.waitForSelector('#error:not(:empty)');
  assert.equal(await page.textContent('#error'), `Error 400: ${error.message}`);
  assert.match(error.message, /filters/);
  await page.fill('#filter-key-1', 'product');
  await page.fill('#filter-value-1', '');
});

test('server text is shown as text, never markup; removed sentences list their reasons', async () => {
  const citation = grounded.sentences[0].citations[0];
  const hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
  const fake = {
    ...grounded,
    text: `${hostile} [1:1]`,
    sentences: [{ text: `${hostile} answer.`, citations: [{ ...citation, title: `<b>${hostile}</b>` }] }],
    removed: [
      { text: 'The Pro plan is free.', reason: '"free" is not in the cited lines', citations: [{ ...citation }] },
      { text: `<i>${hostile}</i>`, reason: `<u>no citation</u>`, citations: [] },
    ],
    needs_human: true,
  };
  await page.route(`${origin}/v1/answer`, (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(fake) }), { times: 1 });
  await askWithEnter(answerable);
  await page.waitForSelector('#answer details.removed');

  assert.equal(await page.textContent('#answer .sentence'), `${hostile} answer.[${citation.source}:${
    citation.last_line > citation.first_line ? `${citation.first_line}-${citation.last_line}` : citation.first_line}]`);
  assert.match(await page.textContent('#answer .badge'), /human/);
  assert.equal(await page.textContent('#answer details.removed summary'), 'Removed as unsupported (2)');
  await page.click('#answer details.removed summary');
  const removed = await page.locator('#answer details.removed li').evaluateAll((items) => items.map((li) => ({
    text: li.querySelector('q').textContent, reason: li.querySelector('.reason').textContent })));
  assert.deepEqual(removed, [
    { text: 'The Pro plan is free.', reason: 'Removed: "free" is not in the cited lines' },
    { text: `<i>${hostile}</i>`, reason: 'Removed: <u>no citation</u>' },
  ]);
  await page.click('#answer .sentence button.cite');
  await page.waitForSelector('#panel .line.hit');
  assert.equal(await page.textContent('#panel-title'), `<b>${hostile}</b>`);
  await page.click('#panel-close');

  const injected = await page.evaluate(() => ({
    pwned: window.pwned ?? null,
    elements: document.querySelectorAll(
      'img, iframe, i, u, #answer script, .sentence b, #panel-title *, details.removed q *').length,
  }));
  assert.deepEqual(injected, { pwned: null, elements: 0 });
});

test('errors that are not JSON, or rate limits, still show in the error line', async () => {
  await page.route(`${origin}/v1/answer`, (route) =>
    route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>Bad Gateway</h1>' }), { times: 1 });
  await askWithEnter(answerable);
  await page.waitForSelector('#error:not(:empty)');
  assert.match(await page.textContent('#error'), /^Error 502: /);
  assert.doesNotMatch(await page.textContent('#error'), /<h1>/);

  await page.route(`${origin}/v1/answer`, (route) => route.fulfill({
    status: 429, contentType: 'application/json', headers: { 'Retry-After': '3' },
    body: JSON.stringify({ error: { message: 'rate limit reached', type: 'rate_limit_error' } }) }), { times: 1 });
  await askWithEnter(answerable);
  await page.waitForFunction(() => document.getElementById('error').textContent.startsWith('Error 429'));
  assert.equal(await page.textContent('#error'), 'Error 429: rate limit reached (retry in 3 s)');

  // And the next good answer clears the error.
  assert.equal((await askWithEnter(answerable)).status(), 200);
  await page.waitForFunction(() => document.getElementById('error').textContent === '');
  await page.waitForSelector('#answer .answer-text');
});

test('the page made no request to another origin and threw no error', () => {
  const foreign = requests.filter((url) => !url.startsWith(origin + '/') && !url.startsWith('data:'));
  assert.deepEqual(foreign, []);
  assert.deepEqual(pageErrors, []);
});
