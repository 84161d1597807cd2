// `make screenshots`: the README's pictures of the web client over the demo data, taken again
// whenever the client changes. Starts nothing: it points Debian's chromium (playwright-core from
// tools/e2e) at a summitd that `make run` is serving, and writes docs/screenshots/*.png:
//   events-desktop.png, events-phone.png   the list of published events (#/)
//   event-desktop.png,  event-phone.png    the demo's forum day (#/events/<id>), signed out
//   notifications-desktop.png, notifications-phone.png   #/me/notifications of the demo's
//                                          leading enterprise (leader@demo.summitd)
// Desktop 1280x800, phone 375x812, zh-CN, times in Asia/Shanghai, the visible screen only (not
// the whole page), so the files stay small.
//   node tests/e2e/screenshot-demo.mjs       base: SCREENSHOT_BASE, else http://$SUMMITD_LISTEN,
//                                             else http://127.0.0.1:8080 (as scripts/run.sh)
import { mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { waitReady } from './lib.mjs';

const require = createRequire(path.resolve('tools/e2e/package.json'));
const { chromium } = require('playwright-core');

const listen = (process.env.SUMMITD_LISTEN || '127.0.0.1:8080').replace(/^0\.0\.0\.0:/, '127.0.0.1:');
const BASE = (process.env.SCREENSHOT_BASE || `http://${listen}`).replace(/\/$/, '');
const OUT = path.resolve(process.env.SCREENSHOT_DIR || 'docs/screenshots');
const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 375, height: 812 } };
// The event scripts/demo.d/20-events.sh creates first, with the most sessions.
const DEMO_EVENT = '全球创新创业交易会·人工智能高峰论坛日';
// scripts/demo.sh's password of every demo account; this one has matches, meetings and pitches.
const DEMO_USER = { email: 'leader@demo.summitd', password: 'demo-password' };

async function getJson(p) {
    let res;
    try { res = await fetch(BASE + p, { headers: { Accept: 'application/json' } }); }
    catch (e) { throw new Error(`no summitd at ${BASE} (${e.cause?.code || e.message}): start \`make run\` first (SUMMITD_LISTEN moves it)`); }
    if (!res.ok) throw new Error(`GET ${p} -> ${res.status}`);
    return res.json();
}

const events = (await getJson('/api/v1/events?limit=100')).items;
if (!events.length) throw new Error(`${BASE} lists no published events: is the demo loaded (make run loads it)?`);
const ev = events.find((e) => e.title === DEMO_EVENT) || events[0];

const login = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(DEMO_USER),
});
if (!login.ok) throw new Error(`log in as ${DEMO_USER.email} -> ${login.status}: is the demo loaded?`);
const { token } = await login.json();

mkdirSync(OUT, { recursive: true });
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
try {
    for (const [vname, viewport] of Object.entries(VIEWPORTS)) {
        const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
        const page = await context.newPage();
        for (const [name, hash] of [['events', '#/'], ['event', `#/events/${ev.id}`]]) {
            await page.goto(`${BASE}/${hash}`);
            await waitReady(page, hash.split('?')[0]);
            await page.waitForLoadState('networkidle');
            const file = path.join(OUT, `${name}-${vname}.png`);
            await page.screenshot({ path: file });
            console.log(`${path.relative(process.cwd(), file)}  ${hash}  ${(statSync(file).size / 1024).toFixed(0)} KB`);
        }
        await context.close();
        // Signed in (the client's token in its localStorage, before its scripts run).
        const signed = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
        await signed.addInitScript((tok) => { localStorage.setItem('summitd.token', tok); }, token);
        const sp = await signed.newPage();
        await sp.goto(`${BASE}/#/me/notifications`);
        await waitReady(sp, '#/me/notifications');
        await sp.waitForLoadState('networkidle');
        const file = path.join(OUT, `notifications-${vname}.png`);
        await sp.screenshot({ path: file });
        console.log(`${path.relative(process.cwd(), file)}  #/me/notifications  ${(statSync(file).size / 1024).toFixed(0)} KB`);
        await signed.close();
    }
} finally {
    await browser.close();
}
