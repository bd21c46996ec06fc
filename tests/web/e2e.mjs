// The Assent web app end to end, in a real browser (Debian's chromium through
// playwright-core) against a real local consortium (`assent-ledger demo`),
// all through the app's own screens. The clinic's side is checked
// independently: the QR image is decoded outside the app (jsQR, and zbarimg
// when installed) and the grant is verified with the `assent` CLI.
//
// Run by scripts/web-e2e.sh, which starts the ledger and the web server and
// passes everything in the environment:
//   APP_URL, LEDGER_URL, TRUST (trust.toml path), ORG_ID (Riverside Clinic),
//   CLINIC_KEY (its key file), ASSENT_BIN (the CLI), CLI_WALLET (a folder for
//   the CLI's ledger state), SHOTS (screenshot folder), CHROMIUM (optional).
// Exits non-zero with a message naming the step that failed.

import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`web-e2e: ${name} is not set (run scripts/web-e2e.sh)`);
  return v;
};
const APP_URL = env('APP_URL');
const LEDGER_URL = env('LEDGER_URL');
const TRUST = env('TRUST');
const ORG_ID = env('ORG_ID');
const CLINIC_KEY = env('CLINIC_KEY');
const ASSENT_BIN = env('ASSENT_BIN');
const CLI_WALLET = env('CLI_WALLET');
const SHOTS = env('SHOTS');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ORG_NAME = 'Riverside Clinic';
// axe-core, the accessibility rules engine, run inside the page.
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PASSPHRASE = 'correct horse battery staple';

mkdirSync(SHOTS, { recursive: true });
for (const f of ['web-failure.png', 'web-failure.html']) rmSync(join(SHOTS, f), { force: true });
const started = Date.now();
const consoleErrors = [];
let step = 'starting the browser';
const log = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${msg}`);
const begin = (name) => { step = name; log(name); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
class Failure extends Error {}
const fail = (msg) => { throw new Failure(msg); };

// `assent clinic …` as the clinic would run it, with its own state folder.
function cli(args) {
  const r = spawnSync(ASSENT_BIN, ['--wallet', CLI_WALLET, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) fail(`could not run ${ASSENT_BIN}: ${r.error.message}`);
  return r;
}

function clinicScan(code) {
  const r = cli(['clinic', 'scan', '--text', code, '--ledger', LEDGER_URL, '--trust', TRUST,
    '--org', ORG_ID, '--key', CLINIC_KEY, '--json']);
  try {
    return JSON.parse(r.stdout);
  } catch {
    fail(`assent clinic scan printed no JSON (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
}

// Scans until the verdict is `want` (the ledger includes within a batch, but
// the wallet sends asynchronously after signing).
async function scanUntil(code, want, seconds) {
  let last;
  const deadline = Date.now() + seconds * 1000;
  do {
    last = clinicScan(code);
    if (last.verdict === want) return last;
    await sleep(500);
  } while (Date.now() < deadline);
  fail(`assent clinic scan said "${last.verdict}" (${last.reason}) for ${seconds} s, expected "${want}"`);
}

function decodePng(buffer) {
  const png = PNG.sync.read(buffer);
  const found = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
  return found ? found.data : null;
}

function zbar(path) {
  const r = spawnSync('zbarimg', ['--raw', '-q', path], { encoding: 'utf8' });
  if (r.error) return undefined; // not installed
  return r.status === 0 ? r.stdout.replace(/\n$/, '') : null;
}

// A camera feed (YUV4MPEG2, one 640×480 frame, grey only) showing `png`
// scaled to fit on white: what chromium's fake camera plays to the page.
function y4mOf(png) {
  const W = 640, H = 480;
  const luma = Buffer.alloc(W * H, 255);
  const scale = Math.min((W - 40) / png.width, (H - 40) / png.height);
  const w = Math.floor(png.width * scale), h = Math.floor(png.height * scale);
  const x0 = (W - w) >> 1, y0 = (H - h) >> 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (Math.floor(y / scale) * png.width + Math.floor(x / scale)) * 4;
      const alpha = png.data[i + 3] / 255;
      const grey = 0.299 * png.data[i] + 0.587 * png.data[i + 1] + 0.114 * png.data[i + 2];
      luma[(y0 + y) * W + x0 + x] = Math.round(grey * alpha + 255 * (1 - alpha));
    }
  }
  const chroma = Buffer.alloc((W / 2) * (H / 2), 128);
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\nFRAME\n`), luma, chroma, chroma]);
}

// Chromium's fake camera plays this file; it shows a blank page until the
// grant's QR is written into it.
const CAMERA_FEED = join(SHOTS, 'camera-feed.y4m');
writeFileSync(CAMERA_FEED, y4mOf({ width: 1, height: 1, data: Buffer.from([255, 255, 255, 255]) }));

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu',
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${CAMERA_FEED}`],
});
const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, permissions: ['camera'] });
const page = await context.newPage();
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`console: ${m.text()}`); });
page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
page.on('response', (r) => { if (r.status() >= 400) consoleErrors.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`); });
page.on('requestfailed', (r) => consoleErrors.push(`request failed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
page.setDefaultTimeout(20_000);

const shot = async (name, locator) => {
  const path = join(SHOTS, `web-${name}.png`);
  await (locator ?? page).screenshot({ path, ...(locator ? {} : { fullPage: true }) });
  log(`screenshot ${path}`);
  return path;
};
const nav = (name) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();

// Runs axe-core's WCAG 2.1 A/AA rules on page `p` and fails on any serious
// or critical violation, naming the rule and the elements.
async function checkA11y(p, screen) {
  if (!(await p.evaluate(() => typeof window.axe === 'object'))) await p.addScriptTag({ content: AXE });
  const result = await p.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    fail(`accessibility (axe) on ${screen}:\n` + bad.map((v) =>
      `  ${v.id} (${v.impact}): ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`).join('\n'));
  }
  const minor = result.violations.map((v) => `${v.id} (${v.impact})`);
  log(`axe on ${screen}: ${result.passes.length} rules pass${minor.length ? `; minor: ${minor.join(', ')}` : ''}`);
}

// At 200 % text size (the root font size doubled, as a browser's text
// zoom does) the page must still fit its width: no sideways scrolling.
async function checkLargeText(p, screen) {
  await p.evaluate(() => { document.documentElement.style.fontSize = '200%'; });
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await shot(`${screen}-200pct`);
  await p.evaluate(() => { document.documentElement.style.fontSize = ''; });
  if (overflow > 1) fail(`at 200 % text the ${screen} screen is ${overflow}px wider than the window`);
  log(`${screen} at 200 % text fits the window`);
}

// Onboarding on page `p`: create a wallet, show the 24 words, type three
// back, keep it in a vault. Returns the words.
async function onboard(p) {
  await p.getByRole('button', { name: 'Create a new wallet' }).waitFor({ timeout: 30_000 });
  if (p === page) await checkA11y(p, 'onboarding');
  await p.getByRole('button', { name: 'Create a new wallet' }).click();

  begin('write down the 24 words');
  const words = (await p.locator('[data-testid=words] li').allTextContents()).map((w) => w.trim());
  if (words.length !== 24) fail(`expected 24 words, the page showed ${words.length}: ${words.join(' ')}`);
  await p.getByRole('button', { name: 'I wrote them down' }).click();

  begin('type three words back');
  const labels = await p.locator('label[for^="word-"]').allTextContents();
  if (labels.length !== 3) fail(`expected three "Word N" fields, found ${labels.length}: ${labels.join(', ')}`);
  for (const label of labels) {
    const n = Number(/^Word (\d+)$/.exec(label.trim())?.[1]);
    if (!(n >= 1 && n <= 24)) fail(`unexpected label "${label}"`);
    await p.getByLabel(label.trim(), { exact: true }).fill(words[n - 1]);
  }
  await p.getByRole('button', { name: 'Continue' }).click();

  begin('keep the wallet in a vault');
  const keeper = await p.locator('[data-testid=keeper]').textContent();
  if (!/vault/i.test(keeper)) fail(`the keep screen does not mention the vault: "${keeper}"`);
  await p.getByLabel('Vault passphrase', { exact: true }).fill(PASSPHRASE);
  await p.getByLabel('The same passphrase again', { exact: true }).fill(PASSPHRASE);
  const t0 = Date.now();
  // Argon2id runs in wasm on the page's thread: the click may block a while.
  await p.getByRole('button', { name: 'Finish' }).click({ timeout: 90_000 });
  await p.getByRole('heading', { name: 'Your consent', level: 1 }).waitFor({ timeout: 90_000 });
  log(`home shown ${((Date.now() - t0) / 1000).toFixed(1)} s after Finish (Argon2id in wasm)`);
  return words;
}

try {
  begin('open the page');
  await page.goto(APP_URL);
  const words = await onboard(page);

  begin('the secret is only in the vault');
  const stored = await page.evaluate(() => Object.fromEntries(Object.keys(localStorage).map((k) => [k, localStorage.getItem(k)])));
  const vault = stored['assent.vault.b64'];
  if (!vault) fail(`no vault in localStorage; keys: ${Object.keys(stored).join(', ')}`);
  const header = Buffer.from(vault, 'base64');
  if (header.subarray(0, 8).toString('latin1') !== 'ASSENTVT') fail('assent.vault.b64 is not a vault (magic)');
  const kdf = { m_kib: header.readUInt32BE(9), t: header.readUInt32BE(13), p: header.readUInt32BE(17) };
  log(`vault: Argon2id m = ${kdf.m_kib} KiB, t = ${kdf.t}, p = ${kdf.p}; ${header.length} bytes`);
  for (const [k, v] of Object.entries(stored)) {
    const lower = (v || '').toLowerCase();
    if (lower.includes(words.slice(0, 3).join(' ')) || lower.includes(JSON.stringify(words.slice(0, 2)).slice(1, -1)))
      fail(`localStorage ${k} holds the recovery words in clear`);
  }

  begin('home checks with the ledger');
  await page.locator('[data-testid=checkpoint]').waitFor({ timeout: 30_000 });
  log(await page.locator('[data-testid=checkpoint]').textContent());
  await shot('home');
  await checkA11y(page, 'home');
  await checkLargeText(page, 'home');

  begin('new grant to Riverside Clinic');
  await nav('New grant');
  const radio = page.getByRole('radio', { name: ORG_NAME, exact: true });
  await radio.waitFor({ timeout: 30_000 });
  await radio.check();
  await checkA11y(page, 'new grant');
  await checkLargeText(page, 'wizard');
  const sign = page.getByRole('button', { name: 'Sign and send' });
  await sign.click();
  await page.locator('.fullscreen-qr .qr-image svg').waitFor();
  const code = await page.locator('textarea[data-testid=qr-text]').inputValue();
  if (!code.startsWith('AS1:')) fail(`the code's text does not start with AS1: "${code.slice(0, 40)}…"`);
  log(`grant code: ${code.length} characters`);
  await shot('grant-qr');

  begin('decode the QR image outside the app');
  const qrPath = await shot('grant-qr-image', page.locator('.fullscreen-qr .qr-image'));
  const qrPng = await page.locator('.fullscreen-qr .qr-image').screenshot();
  const byJsqr = decodePng(qrPng);
  if (byJsqr === null) fail(`jsQR found no QR code in ${qrPath}`);
  if (byJsqr !== code) fail(`the QR image (jsQR) says "${byJsqr.slice(0, 60)}…", the text says "${code.slice(0, 60)}…"`);
  writeFileSync(CAMERA_FEED, y4mOf(PNG.sync.read(qrPng)));
  const byZbar = zbar(qrPath);
  if (byZbar === null) fail(`zbarimg found no QR code in ${qrPath}`);
  if (byZbar !== undefined && byZbar !== code) fail(`the QR image (zbarimg) says "${byZbar.slice(0, 60)}…", the text says "${code.slice(0, 60)}…"`);
  log(`QR image decodes to the same text (jsQR${byZbar === undefined ? '' : ' and zbarimg'})`);

  begin('the clinic verifies the grant with the CLI');
  const scanned = await scanUntil(code, 'valid', 20);
  log(`assent clinic scan: ${scanned.verdict} (${scanned.reason}); grant ${scanned.grant}`);

  begin('the clinic verifies the grant in the app (Clinic mode)');
  await nav('Clinic mode');
  const select = page.getByLabel('Organisation', { exact: true });
  await select.locator('option', { hasText: ORG_NAME }).waitFor({ state: 'attached', timeout: 30_000 });
  await select.selectOption({ label: ORG_NAME });
  await page.getByLabel("Or paste the code's text").fill(code);
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  const verdict = page.locator('[data-testid=verdict] h2');
  await verdict.waitFor({ timeout: 30_000 });
  // A grant the clinic submitted shows "Not confirmed yet" while the app
  // waits for a quorum; the verdict is the one left when it stops.
  await page.locator('.progress-note').waitFor({ state: 'detached', timeout: 45_000 });
  const word = await verdict.getAttribute('data-verdict');
  if (word !== 'valid') fail(`clinic mode says "${word}": ${await page.locator('[data-testid=verdict]').innerText()}`);
  await shot('clinic-valid');
  await checkA11y(page, 'clinic mode');

  begin('the clinic reads the grant with the camera (chromium\'s fake camera shows the QR)');
  await page.getByRole('button', { name: 'Scan with the camera' }).click();
  const cameraStatus = page.locator('[data-testid=camera-status]');
  await cameraStatus.filter({ hasText: 'Code read from the camera' }).waitFor({ timeout: 30_000 })
    .catch(async () => fail(`the camera read no code: "${await cameraStatus.textContent().catch(() => '')}"`));
  await page.locator('.progress-note').waitFor({ state: 'detached', timeout: 45_000 });
  const byCamera = await verdict.getAttribute('data-verdict');
  if (byCamera !== 'valid') fail(`clinic mode (camera) says "${byCamera}": ${await page.locator('[data-testid=verdict]').innerText()}`);
  log('the camera read the code; the verdict is valid');
  await shot('clinic-camera');

  begin('the clinic records an access with the CLI');
  const rec = cli(['clinic', 'record-access', '--org', ORG_ID, '--key', CLINIC_KEY,
    '--patient', scanned.patient_key, '--grant', scanned.grant, '--resource', 'Observation=2',
    '--purpose', 'TREAT', '--ledger', LEDGER_URL, '--trust', TRUST]);
  if (rec.status !== 0 || !/submitted/.test(rec.stdout)) fail(`assent clinic record-access failed (exit ${rec.status}):\n${rec.stdout}\n${rec.stderr}`);
  log(rec.stdout.trim());

  begin('the patient sees the access, verified and covered');
  await nav('Access history');
  const entry = page.locator('li[data-verdict=covered]', { hasText: 'verified' });
  const verify = page.getByRole('button', { name: 'Verify again' });
  const deadline = Date.now() + 45_000;
  while (!(await entry.count())) {
    if (Date.now() > deadline) fail('no access entry li[data-verdict=covered] with "verified" after 45 s of "Verify again"');
    await verify.click({ timeout: 30_000 }); // enabled again once a round ends
    await Promise.race([entry.first().waitFor({ timeout: 5_000 }).catch(() => {}), sleep(5_000)]);
  }
  log(`timeline: ${(await entry.first().innerText()).replace(/\s+/g, ' ')}`);
  await shot('history');
  await checkA11y(page, 'access history');

  begin('the patient revokes the grant');
  await nav('Home');
  await page.locator('[data-testid=grant-card]', { hasText: ORG_NAME }).getByRole('link', { name: /Open/ }).click();
  await page.getByRole('heading', { name: `Grant to ${ORG_NAME}`, level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Revoke this grant…' }).click();
  await page.getByRole('button', { name: 'Yes, revoke' }).click();

  begin('the clinic sees the revocation (CLI)');
  const revoked = await scanUntil(code, 'revoked', 20);
  log(`assent clinic scan: ${revoked.verdict} (${revoked.reason})`);
  await shot('revoked');

  begin('a caregiver opens a wallet of their own (a second browser profile)');
  const carerContext = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const carer = await carerContext.newPage();
  carer.on('pageerror', (e) => consoleErrors.push(`caregiver page error: ${e.message}`));
  carer.setDefaultTimeout(20_000);
  const carerNav = (name) => carer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
  await carer.goto(APP_URL);
  await onboard(carer);
  await carerNav('Caregiving');
  const carerKey = (await carer.locator('[data-testid=my-key]').textContent()).trim();
  if (!carerKey.startsWith('assent1')) fail(`the caregiver's key is "${carerKey}"`);

  begin('the patient lets the caregiver act for them');
  await nav('Caregiving');
  await page.getByLabel('Their key (assent1…)').fill(carerKey);
  await page.getByRole('button', { name: 'Sign the delegation' }).click();
  const delegation = await page.locator('#delegation-code').inputValue();
  if (!delegation) fail('no delegation code to give the caregiver');
  await shot('delegation');
  await checkA11y(page, 'caregiving');
  await nav('Settings');
  await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  await checkA11y(page, 'settings');

  begin('the caregiver adds the delegation and acts for the patient');
  await carer.getByLabel('Add a delegation a patient gave you').fill(delegation);
  await carer.getByRole('button', { name: 'Add', exact: true }).click();
  await carer.getByRole('button', { name: 'Act for this patient' }).click();
  const banner = carer.locator('.acting', { hasText: 'Acting for patient' });
  await banner.waitFor();
  log(`caregiver banner: ${(await banner.innerText()).replace(/\s+/g, ' ')}`);

  begin('the caregiver grants Riverside Clinic access for the patient');
  await carerNav('New grant');
  await carer.getByRole('heading', { name: 'New grant for the patient you act for', level: 1 }).waitFor();
  const carerRadio = carer.getByRole('radio', { name: ORG_NAME, exact: true });
  await carerRadio.waitFor({ timeout: 30_000 });
  await carerRadio.check();
  await carer.getByRole('button', { name: 'Sign and send' }).click();
  await carer.locator('.fullscreen-qr .qr-image svg').waitFor();
  const carerCode = await carer.locator('textarea[data-testid=qr-text]').inputValue();
  await shot('caregiver-grant-qr', carer.locator('#content'));

  begin('the clinic verifies the caregiver\'s grant (CLI)');
  const viaCarer = await scanUntil(carerCode, 'valid', 30);
  log(`assent clinic scan: ${viaCarer.verdict} (${viaCarer.reason})`);
  if (viaCarer.patient_key !== scanned.patient_key) {
    fail(`the caregiver's grant is for ${viaCarer.patient_key}, not the patient ${scanned.patient_key}`);
  }

  log(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (consoleErrors.length) log(`browser errors (not failures):\n  ${consoleErrors.join('\n  ')}`);
  await browser.close();
} catch (e) {
  console.error(`\nweb-e2e FAILED at step "${step}": ${e instanceof Failure ? e.message : e.stack || e}`);
  try {
    console.error(`page: ${page.url()}`);
    await page.screenshot({ path: join(SHOTS, 'web-failure.png'), fullPage: true });
    console.error(`screenshot: ${join(SHOTS, 'web-failure.png')}`);
    writeFileSync(join(SHOTS, 'web-failure.html'), await page.content());
    const root = page.locator('#content, #main').first();
    const text = await root.innerText({ timeout: 2_000 });
    const html = (await root.evaluate((e) => e.outerHTML))
      .replace(/<style>[\s\S]*?<\/style>/g, '<style>…</style>')
      .replace(/<svg[\s\S]*?<\/svg>/g, '<svg>…</svg>')
      .replace(/ data-dioxus-id="\d+"/g, '');
    console.error(`page text:\n${text.slice(0, 2000)}`);
    console.error(`page HTML (whole page in ${join(SHOTS, 'web-failure.html')}):\n${html.slice(0, 3000)}`);
  } catch (inner) {
    console.error(`(could not capture the page: ${inner.message})`);
  }
  console.error(consoleErrors.length ? `browser errors:\n  ${consoleErrors.join('\n  ')}` : 'browser errors: none');
  await browser.close().catch(() => {});
  process.exit(1);
}
