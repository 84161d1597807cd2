// The browser test kit: a summitd API client for setting up data (as the organizer or another
// enterprise would, through the API), page helpers that screenshot and axe-check every page
// visited, and the transfer-size measure. Used by run.mjs and the *.spec.mjs scenario files.
import { randomUUID } from 'node:crypto'; // Node 18 has no global crypto
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.resolve('tools/e2e/package.json'));
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const SHOTS = path.resolve(process.env.E2E_SHOTS || 'var/e2e');
mkdirSync(SHOTS, { recursive: true });

export function assert(cond, msg) { if (!cond) throw new Error(`assertion failed: ${msg}`); }

/** Waits until the router has rendered a page whose hash path starts with prefix. (Playwright's
 * waitForFunction evaluates a string in the page, which the client's CSP forbids; evaluate()
 * of a function goes through the DevTools protocol instead.) */
export async function waitReady(page, prefix, timeout = 15000) {
    const end = Date.now() + timeout;
    let last = '';
    for (;;) {
        last = await page.evaluate(() => document.querySelector('#main')?.getAttribute('data-ready') || '').catch(() => '');
        if (last.startsWith(prefix)) return last;
        if (Date.now() > end) throw new Error(`page ${prefix} not ready after ${timeout} ms (at ${last || 'nothing'}, url ${page.url()})`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

/** A small API client (Node's fetch) for the data a scenario needs before a person acts. */
export class Client {
    constructor(base, token) { this.base = base; this.token = token; }
    async call(method, p, body, extra = {}) {
        const headers = { Accept: 'application/json', ...extra };
        if (this.token) headers.Authorization = `Bearer ${this.token}`;
        if (body !== undefined) headers['Content-Type'] = 'application/json';
        const res = await fetch(this.base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
        const text = await res.text();
        const data = text ? JSON.parse(text) : null;
        if (!res.ok) throw new Error(`${method} ${p} -> ${res.status} ${text}`);
        return data;
    }
    async signUp(email, password, name, role = 'attendee') {
        return this.call('POST', '/api/v1/users', { email, password, display_name: name, role }, { 'Idempotency-Key': randomUUID() });
    }
    async login(email, password) {
        const s = await this.call('POST', '/api/v1/auth/login', { email, password });
        return new Client(this.base, s.token);
    }
}

/** Runs axe-core in the page (the source evaluated through the DevTools protocol, which the
 * page's CSP does not govern) and fails on serious or critical violations. */
export async function axeCheck(page, label) {
    const has = await page.evaluate(() => typeof window.axe !== 'undefined');
    if (!has) await page.evaluate(AXE_SOURCE);
    const res = await page.evaluate(async () => {
        const r = await window.axe.run(document, { resultTypes: ['violations'] });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
    });
    const bad = res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    if (bad.length) throw new Error(`axe on ${label}: ${bad.map((v) => `${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(', ')}`).join('; ')}`);
    return res.length;
}

/** A person in a browser context with a viewport: every page they land on is screenshot and
 * axe-checked. */
export class Person {
    constructor(run, context, page, name) {
        this.run = run; this.context = context; this.page = page; this.name = name; this.n = 0;
    }
    /** Waits for the router to finish the page whose hash path starts with prefix, then records it. */
    async landed(prefix, label) {
        await waitReady(this.page, prefix);
        await this.record(label);
    }
    async record(label) {
        this.n += 1;
        const file = path.join(SHOTS, `${this.run.scenario}-${this.run.viewport}-${this.name}-${String(this.n).padStart(2, '0')}-${label}.png`);
        await this.page.screenshot({ path: file, fullPage: true });
        this.run.shots.push(path.relative(process.cwd(), file));
        this.run.axeMinor += await axeCheck(this.page, `${this.name} ${label}`);
    }
    async goto(hash, prefix, label) {
        await this.page.goto(`${this.run.base}/${hash}`);
        await this.landed(prefix ?? hash.split('?')[0], label);
    }
    /** Follows a link of the main navigation, opening the menu first on a phone. */
    async nav(testid) {
        const toggle = this.page.locator('#menu-toggle');
        if (await toggle.isVisible() && (await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
        await this.page.getByTestId(testid).click();
    }
    async close() { await this.context.close(); }
}

/** Sums what the page's first load transferred (headers + encoded bodies). */
export async function transferSize(browser, base, hash, viewport) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const reqs = [];
    page.on('requestfinished', (r) => reqs.push(r));
    await page.goto(`${base}/${hash}`);
    await waitReady(page, '#/events/');
    await page.waitForLoadState('networkidle');
    let total = 0;
    const rows = [];
    for (const r of reqs) {
        const s = await r.sizes();
        const n = s.responseBodySize + s.responseHeadersSize;
        total += n;
        rows.push(`${n} ${r.url().replace(base, '')}`);
    }
    await context.close();
    return { total, rows };
}

/** Writes a one-frame Y4M video (what Chromium's --use-file-for-fake-video-capture plays, in a
 * loop) of an SVG image, e.g. a ticket's QR, centred on white: a camera held over the ticket.
 * The SVG is rasterised by the browser itself (no image tools): drawn to a canvas in a blank page,
 * its pixels turned into 4:2:0 planes there (grey: U and V at 128), and written here. */
export async function svgToY4m(browser, svgText, file, width = 640, height = 480) {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
        const b64 = await page.evaluate(async ({ svg, w, h }) => {
            const img = new Image();
            img.src = `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(svg)))}`;
            await img.decode();
            const c = document.createElement('canvas');
            c.width = w; c.height = h;
            const g = c.getContext('2d');
            g.fillStyle = '#fff';
            g.fillRect(0, 0, w, h);
            g.imageSmoothingEnabled = false;
            const side = Math.floor(Math.min(w, h) * 0.8);
            g.drawImage(img, Math.floor((w - side) / 2), Math.floor((h - side) / 2), side, side);
            const px = g.getImageData(0, 0, w, h).data;
            const out = new Uint8Array(w * h * 3 / 2);
            for (let i = 0; i < w * h; i++) out[i] = Math.round(0.299 * px[4 * i] + 0.587 * px[4 * i + 1] + 0.114 * px[4 * i + 2]);
            out.fill(128, w * h);
            let s = '';
            for (let i = 0; i < out.length; i += 0x8000) s += String.fromCharCode(...out.subarray(i, i + 0x8000));
            return btoa(s);
        }, { svg: svgText, w: width, h: height });
        const { writeFileSync } = await import('node:fs');
        writeFileSync(file, Buffer.concat([
            Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\nFRAME\n`, 'ascii'),
            Buffer.from(b64, 'base64'),
        ]));
    } finally {
        await context.close();
    }
}
