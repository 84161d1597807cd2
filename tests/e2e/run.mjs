// The browser suite's runner: playwright-core drives Debian's chromium (no downloaded browser)
// against the summitd at E2E_BASE (started by tests/e2e/run.sh). Every scenario runs at a phone
// (375x812) and a desktop (1280x800) viewport; one line per scenario and viewport, a summary,
// exit 1 on any failure. Scenario files: attendee.spec.mjs, enterprise.spec.mjs (web helper),
// organizer.spec.mjs (organizer pages; optional until it exists), notifications.spec.mjs.
//   node tests/e2e/run.mjs [name-filter]
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, Person, transferSize, svgToY4m, assert, SHOTS } from './lib.mjs';

const require = createRequire(path.resolve('tools/e2e/package.json'));
const { chromium } = require('playwright-core');

const BASE = process.env.E2E_BASE || 'http://127.0.0.1:8432';
const ADMIN = { email: process.env.E2E_ADMIN_EMAIL || 'admin@summitd.local', password: process.env.E2E_ADMIN_PASSWORD || 'admin-change-me' };
const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
const WEIGHT_LIMIT = 150 * 1024;
const VIEWPORTS = { phone: { width: 375, height: 812 }, desktop: { width: 1280, height: 800 } };
const filter = process.argv[2] || '';

const specs = [];
for (const f of ['attendee.spec.mjs', 'enterprise.spec.mjs', 'organizer.spec.mjs', 'notifications.spec.mjs']) {
    const p = path.resolve('tests/e2e', f);
    if (existsSync(p)) specs.push(...(await import(pathToFileURL(p).href)).scenarios);
}

const ARGS = ['--no-sandbox', '--disable-dev-shm-usage'];
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
const api = new Client(BASE);
const admin = await api.login(ADMIN.email, ADMIN.password);
const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
let passed = 0, failed = 0;
const weights = [];
const allShots = [];

for (const sc of specs) {
    if (filter && !sc.name.includes(filter)) continue;
    for (const [vname, viewport] of Object.entries(VIEWPORTS)) {
        const t0 = Date.now();
        const run = { scenario: sc.name, viewport: vname, base: BASE, shots: [], axeMinor: 0, notes: [] };
        const people = [];
        const launched = [];
        const ctx = {
            run, api, admin, viewport, vname, assert, browser,
            uid: `${runId}${vname[0]}`,
            /** A new person with their own browser context (own localStorage) at this viewport;
             * opts.browser: another browser than the suite's (e.g. one with a camera). */
            person: async (name, opts = {}) => {
                const context = await (opts.browser || browser).newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
                const page = await context.newPage();
                page.on('pageerror', (e) => run.notes.push(`${name}: page error ${e.message}`));
                const p = new Person(run, context, page, name);
                people.push(p);
                return p;
            },
            /** A browser of this scenario's own whose camera films the SVG image (e.g. a ticket's
             * QR): Chromium's fake capture device playing a Y4M made from it, camera access
             * granted without a prompt. The capture file is fixed per launch, hence a launch. */
            cameraOn: async (svgText, label) => {
                const file = path.join(SHOTS, `camera-${sc.name}-${vname}-${label}.y4m`);
                await svgToY4m(browser, svgText, file);
                const b = await chromium.launch({
                    executablePath: CHROMIUM, headless: true,
                    args: [...ARGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${file}`],
                });
                launched.push(b);
                return b;
            },
            /** Asserts the first load of hash transfers less than 150 KB and no on-demand module. */
            weigh: async (hash) => {
                const w = await transferSize(browser, BASE, hash, viewport);
                weights.push({ scenario: sc.name, viewport: vname, hash, total: w.total });
                assert(w.total < WEIGHT_LIMIT, `first load of ${hash} transferred ${w.total} B >= ${WEIGHT_LIMIT} B:\n${w.rows.join('\n')}`);
                // The enterprise, organizer and big-screen modules load on demand (web/js/app.js),
                // and so does the desk's QR decoder (web/vendor/).
                const eager = w.rows.filter((r) => /\/js\/pages\/(enterprise|screen|organizer\/)|\/vendor\//.test(r));
                assert(!eager.length, `first load of ${hash} fetched modules that load on demand:\n${eager.join('\n')}`);
                return w.total;
            },
        };
        try {
            await sc.run(ctx);
            const errs = run.notes.filter((n) => n.includes('page error'));
            assert(!errs.length, errs.join('; '));
            passed++;
            console.log(`PASS ${sc.name} [${vname}] ${((Date.now() - t0) / 1000).toFixed(1)} s, ${run.shots.length} pages (axe: no serious/critical; ${run.axeMinor} minor/moderate)`);
        } catch (e) {
            failed++;
            console.log(`FAIL ${sc.name} [${vname}] ${((Date.now() - t0) / 1000).toFixed(1)} s: ${e && e.stack ? e.stack : e}`);
            for (const p of people) {
                try { await p.page.screenshot({ path: path.join(SHOTS, `FAIL-${sc.name}-${vname}-${p.name}.png`), fullPage: true }); } catch { /* closed */ }
            }
            for (const n of run.notes) console.log(`     note: ${n}`);
        } finally {
            for (const p of people) await p.close().catch(() => {});
            for (const b of launched) await b.close().catch(() => {});
        }
        allShots.push(...run.shots);
    }
}
await browser.close();
for (const w of weights) console.log(`weight: ${w.hash} first load ${w.total} B (${(w.total / 1024).toFixed(1)} KB) [${w.viewport}]`);
console.log(`e2e: screenshots under ${path.relative(process.cwd(), SHOTS)}/ (${allShots.length})`);
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed || !passed ? 1 : 0);
