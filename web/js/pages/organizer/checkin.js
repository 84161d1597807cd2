// The check-in desk: a typed code, or the ticket's QR scanned with the device camera (the
// browser's BarcodeDetector where it has one, else jsQR loaded on demand; typing always works).
// POST /checkins; every refusal is shown plainly: already checked in (when, who), not confirmed, window not open or
// closed (with the time), unknown code.
import { h, fmtDateTime, fmtTime, errorMessage } from '../../ui.js';
import { t, addMessages } from '../../i18n.js';
import { heading, eventNav, loading, errorBox, replace, field, input, setDisabled } from './common.js';

addMessages({
    zh: {
        'org.desk.title': '签到台：{title}',
        'org.desk.code': '签到码',
        'org.desk.submit': '签到',
        'org.desk.hint': '输入或扫描门票上的签到码，按回车确认。',
        'org.desk.scan': '用摄像头扫码',
        'org.desk.stopScan': '停止扫码',
        'org.desk.noCamera': '此浏览器无法使用摄像头，请手动输入签到码。',
        'org.desk.cameraError': '无法打开摄像头：{msg}',
        'org.desk.video': '摄像头画面（扫描门票二维码）',
        'org.desk.ok': '签到成功',
        'org.desk.already': '已签到过 — 请勿重复入场',
        'org.desk.alreadyAt': '首次签到时间：{time}',
        'org.desk.notConfirmed': '该报名未确认（{status}），不能签到',
        'org.desk.notOpen': '签到尚未开始',
        'org.desk.opensAt': '开放时间：{time}',
        'org.desk.closed': '签到已结束',
        'org.desk.closedAt': '截止时间：{time}',
        'org.desk.unknown': '无效的签到码',
        'org.desk.refused': '签到被拒绝',
        'org.desk.session': '场次：{title}（{when}）',
        'org.desk.recent': '本台最近签到',
        'org.desk.st.waitlisted': '候补',
        'org.desk.st.cancelled': '已取消',
        'org.desk.st.confirmed': '已确认',
    },
    en: {
        'org.desk.title': 'Check-in desk: {title}',
        'org.desk.code': 'Check-in code',
        'org.desk.submit': 'Check in',
        'org.desk.hint': 'Type or scan the code on the ticket, then press Enter.',
        'org.desk.scan': 'Scan with the camera',
        'org.desk.stopScan': 'Stop scanning',
        'org.desk.noCamera': 'This browser offers no camera here: type the code instead.',
        'org.desk.cameraError': 'The camera could not be opened: {msg}',
        'org.desk.video': 'Camera view (scan the ticket\'s QR code)',
        'org.desk.ok': 'Checked in',
        'org.desk.already': 'Already checked in — do not admit twice',
        'org.desk.alreadyAt': 'First checked in at {time}',
        'org.desk.notConfirmed': 'This registration is not confirmed ({status}): no check-in',
        'org.desk.notOpen': 'Check-in is not open yet',
        'org.desk.opensAt': 'It opens at {time}',
        'org.desk.closed': 'Check-in has closed',
        'org.desk.closedAt': 'It closed at {time}',
        'org.desk.unknown': 'Unknown check-in code',
        'org.desk.refused': 'Check-in refused',
        'org.desk.session': 'Session: {title} ({when})',
        'org.desk.recent': 'Recent check-ins at this desk',
        'org.desk.st.waitlisted': 'waitlisted',
        'org.desk.st.cancelled': 'cancelled',
        'org.desk.st.confirmed': 'confirmed',
    },
});

/** #/org/events/:id/checkin @param {HTMLElement} root @param {any} ctx */
export async function renderCheckin(root, ctx) {
    const id = Number(ctx.params.id);
    replace(root, loading());
    /** @type {any} */
    let ev;
    try { ev = await ctx.api.event(id); } catch (e) { replace(root, errorBox(e)); return; }
    const tz = ev.time_zone;
    const code = input('code', 'text', '', {
        autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', maxlength: '64',
        required: '', 'data-testid': 'checkin-code', inputmode: 'text',
    });
    const submit = h('button', { type: 'submit', 'data-testid': 'checkin-submit' }, t('org.desk.submit'));
    const result = h('div', { class: 'desk-result', 'data-testid': 'checkin-result', role: 'status', 'aria-live': 'assertive', 'aria-atomic': 'true' });
    const recent = h('ol', { class: 'desk-recent', 'data-testid': 'checkin-recent' });

    /** @param {'ok' | 'warn' | 'error'} kind @param {string} outcome @param {string} title @param {...(string | null)} lines */
    const show = (kind, outcome, title, ...lines) => {
        result.className = `desk-result desk-${kind}`;
        result.setAttribute('data-outcome', outcome);
        replace(result, h('p', { class: 'desk-title' }, title), ...lines.filter(Boolean).map((l) => h('p', {}, /** @type {string} */ (l))));
    };
    const who = (/** @type {any} */ r) => (r && r.user ? `${r.user.display_name} · ${r.user.email}` : null);
    const what = (/** @type {any} */ r) => (r && r.session
        ? t('org.desk.session', { title: r.session.title, when: `${fmtDateTime(r.session.starts_at, tz)}–${fmtTime(r.session.ends_at, tz)}` })
        : null);

    let busy = false;
    /** @param {string} raw */
    const checkIn = async (raw) => {
        const c = raw.trim();
        if (!c || busy) return;
        busy = true;
        setDisabled(submit, true);
        try {
            const r = await ctx.api.checkIn({ code: c });
            show('ok', 'checked_in', t('org.desk.ok'), who(r), what(r));
            recent.prepend(h('li', {}, `${fmtTime(r.checked_in_at || new Date().toISOString(), tz)} · ${r.user ? r.user.display_name : c}`));
            while (recent.children.length > 10) recent.lastElementChild?.remove();
        } catch (e) {
            const err = /** @type {any} */ (e);
            const env = err.envelope || {};
            const reg = env.registration;
            switch (err.code) {
            case 'already_checked_in':
                show('warn', 'already_checked_in', t('org.desk.already'),
                    reg?.checked_in_at ? t('org.desk.alreadyAt', { time: fmtDateTime(reg.checked_in_at, tz) }) : null, who(reg), what(reg));
                break;
            case 'not_confirmed':
                show('error', 'not_confirmed', t('org.desk.notConfirmed', { status: t(`org.desk.st.${reg?.status || 'cancelled'}`) }), who(reg), what(reg));
                break;
            case 'checkin_not_open':
                show('error', 'checkin_not_open', t('org.desk.notOpen'),
                    env.error?.opens_at ? t('org.desk.opensAt', { time: fmtDateTime(env.error.opens_at, tz) }) : null);
                break;
            case 'checkin_closed':
                show('error', 'checkin_closed', t('org.desk.closed'),
                    env.error?.closes_at ? t('org.desk.closedAt', { time: fmtDateTime(env.error.closes_at, tz) }) : null);
                break;
            case 'unknown_code':
                show('error', 'unknown_code', t('org.desk.unknown'), c);
                break;
            default:
                show('error', err.code || 'error', t('org.desk.refused'), errorMessage(e));
            }
        } finally {
            busy = false;
            setDisabled(submit, false);
            code.value = '';
            code.focus();
        }
    };

    const form = h('form', { class: 'form desk-form', 'data-testid': 'checkin-form' },
        field(t('org.desk.code'), code, t('org.desk.hint')), submit);
    form.addEventListener('submit', (e) => { e.preventDefault(); checkIn(code.value); });

    // The camera: the browser's own BarcodeDetector where it has one that reads QR codes, else
    // jsQR (web/vendor/jsqr.js, fetched only when the camera starts) on video frames drawn to a
    // canvas. Either way a code is taken once while it stays in view: showing the ticket again
    // (it left the view for 4 s, or the scan was restarted) checks it again, which the desk then
    // refuses as already checked in.
    const scanSlot = h('div', { class: 'desk-scan', 'data-testid': 'scan-slot' });
    /** @type {MediaStream | null} */
    let stream = null;
    /** @type {number | undefined} */
    let timer;
    const stop = () => {
        if (timer !== undefined) clearInterval(timer);
        timer = undefined;
        if (stream) for (const tr of stream.getTracks()) tr.stop();
        stream = null;
    };
    const W = /** @type {any} */ (window);
    /** A QR reader for the video: the native one when it reads qr_code, else jsQR.
     * @param {HTMLVideoElement} video @returns {Promise<{name: string, read: () => Promise<string | null>}>} */
    const makeReader = async (video) => {
        if ('BarcodeDetector' in W) {
            const formats = await W.BarcodeDetector.getSupportedFormats?.().catch(() => []) ?? ['qr_code'];
            if (formats.includes('qr_code')) {
                const detector = new W.BarcodeDetector({ formats: ['qr_code'] });
                return { name: 'native', read: async () => (await detector.detect(video))[0]?.rawValue || null };
            }
        }
        const jsQR = (await import('../../../vendor/jsqr.js')).default;
        const canvas = document.createElement('canvas');
        const g = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d', { willReadFrequently: true }));
        return {
            name: 'jsqr',
            read: async () => {
                const vw = video.videoWidth, vh = video.videoHeight;
                if (!vw || !vh) return null;
                const k = Math.min(1, 800 / Math.max(vw, vh)); // enough pixels for a ticket's QR, and fast
                const w = Math.round(vw * k), hh = Math.round(vh * k);
                if (canvas.width !== w || canvas.height !== hh) { canvas.width = w; canvas.height = hh; }
                g.drawImage(video, 0, 0, w, hh);
                const found = jsQR(g.getImageData(0, 0, w, hh).data, w, hh, { inversionAttempts: 'dontInvert' });
                return found?.data || null;
            },
        };
    };
    if (navigator.mediaDevices?.getUserMedia) {
        const scanBtn = h('button', { type: 'button', class: 'secondary', 'aria-pressed': 'false', 'data-testid': 'scan' }, t('org.desk.scan'));
        const video = /** @type {HTMLVideoElement} */ (h('video', { playsinline: '', muted: '', 'aria-label': t('org.desk.video'), hidden: '', 'data-testid': 'scan-video' }));
        const note = h('p', { class: 'hint', role: 'status', hidden: '' });
        let last = '';
        let lastAt = 0;
        scanBtn.addEventListener('click', async () => {
            if (stream) {
                stop(); video.hidden = true; scanBtn.textContent = t('org.desk.scan'); scanBtn.setAttribute('aria-pressed', 'false');
                scanSlot.removeAttribute('data-scanning');
                return;
            }
            try {
                note.hidden = true;
                const reader = await makeReader(video);
                stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
                video.srcObject = stream;
                video.muted = true;
                video.hidden = false;
                await video.play();
                last = ''; lastAt = 0;
                scanBtn.textContent = t('org.desk.stopScan');
                scanBtn.setAttribute('aria-pressed', 'true');
                scanSlot.setAttribute('data-decoder', reader.name);
                scanSlot.setAttribute('data-scanning', 'true');
                let reading = false;
                timer = window.setInterval(async () => {
                    if (busy || reading || video.readyState < 2) return;
                    reading = true;
                    try {
                        const v = await reader.read();
                        if (!v) return;
                        const now = Date.now();
                        const seen = v === last && now - lastAt < 4000;
                        last = v; lastAt = now;
                        if (!seen) await checkIn(v);
                    } catch { /* a frame that cannot be decoded */ } finally { reading = false; }
                }, 250);
            } catch (e) {
                stop();
                video.hidden = true;
                note.hidden = false;
                note.textContent = t('org.desk.cameraError', { msg: e instanceof Error ? e.message : String(e) });
            }
        });
        scanSlot.append(scanBtn, video, note);
    } else {
        scanSlot.append(h('p', { class: 'hint', 'data-testid': 'no-camera' }, t('org.desk.noCamera')));
    }

    replace(root,
        eventNav(ev, 'checkin'),
        heading(t('org.desk.title', { title: ev.title })),
        h('div', { class: 'desk' }, h('div', {}, form, scanSlot), result),
        h('h2', {}, t('org.desk.recent')),
        recent);
    code.focus();
    return stop;
}
