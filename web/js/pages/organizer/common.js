// Shared pieces of the organizer pages: wall times in the event's zone for <input
// type="datetime-local">, form fields, the event's sub-navigation, loading and error states.
import { h, errorMessage } from '../../ui.js';
import { t, addMessages } from '../../i18n.js';

addMessages({
    zh: {
        'org.nav.label': '活动管理',
        'org.nav.overview': '概况与场次',
        'org.nav.timetable': '路演时间表',
        'org.nav.checkin': '签到台',
        'org.nav.competitions': '大赛',
        'org.nav.meetings': '对接会',
        'org.nav.stats': '数据',
        'org.nav.screen': '大屏',
        'org.nav.back': '我的活动',
        'org.loading': '加载中…',
        'org.status.draft': '草稿',
        'org.status.published': '已发布',
        'org.status.cancelled': '已取消',
        'org.kind.summit': '峰会',
        'org.kind.roadshow': '路演',
        'org.kind.fair': '展会',
        'org.skind.forum': '论坛',
        'org.skind.pitch': '路演',
        'org.skind.competition': '大赛',
        'org.skind.exhibition': '展览',
        'org.tz.note': '时间按活动时区 {tz} 填写与显示',
        'org.none': '暂无',
        'org.table.scroll': '表格（可左右滚动）',
    },
    en: {
        'org.nav.label': 'Event management',
        'org.nav.overview': 'Overview & sessions',
        'org.nav.timetable': 'Pitch timetable',
        'org.nav.checkin': 'Check-in desk',
        'org.nav.competitions': 'Competitions',
        'org.nav.meetings': 'Meetings',
        'org.nav.stats': 'Stats',
        'org.nav.screen': 'Big screen',
        'org.nav.back': 'My events',
        'org.loading': 'Loading…',
        'org.status.draft': 'Draft',
        'org.status.published': 'Published',
        'org.status.cancelled': 'Cancelled',
        'org.kind.summit': 'Summit',
        'org.kind.roadshow': 'Roadshow',
        'org.kind.fair': 'Fair',
        'org.skind.forum': 'Forum',
        'org.skind.pitch': 'Pitch',
        'org.skind.competition': 'Competition',
        'org.skind.exhibition': 'Exhibition',
        'org.tz.note': 'Times are entered and shown in the event\'s time zone, {tz}',
        'org.none': 'None yet',
        'org.table.scroll': 'Table (scrolls sideways)',
    },
});

/** @param {string} tz @param {number} ms @returns {Record<string, string>} */
function wallParts(tz, ms) {
    const f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
        hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    /** @type {Record<string, string>} */
    const p = {};
    for (const x of f.formatToParts(new Date(ms))) p[x.type] = x.value;
    return p;
}

/** Minutes the zone is ahead of UTC at the instant ms. @param {string} tz @param {number} ms */
export function zoneOffsetMin(tz, ms) {
    const p = wallParts(tz, ms);
    const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
    return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

/** An instant as the "YYYY-MM-DDTHH:MM" wall time of a datetime-local input in zone tz. */
export function toLocalInput(/** @type {string | null | undefined} */ iso, /** @type {string} */ tz) {
    if (!iso) return '';
    const p = wallParts(tz, Date.parse(iso));
    return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** A wall time "YYYY-MM-DDTHH:MM" in zone tz as a UTC RFC 3339 instant, or null. */
export function fromLocalInput(/** @type {string} */ v, /** @type {string} */ tz) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(v || '');
    if (!m) return null;
    const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    let ms = wall - zoneOffsetMin(tz, wall) * 60000;
    ms = wall - zoneOffsetMin(tz, ms) * 60000;
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The calendar day ("YYYY-MM-DD") of an instant in zone tz. */
export function dayKey(/** @type {string | number} */ iso, /** @type {string} */ tz) {
    const p = wallParts(tz, typeof iso === 'number' ? iso : Date.parse(iso));
    return `${p.year}-${p.month}-${p.day}`;
}

/** Minutes since the wall-clock midnight of its day in zone tz. */
export function minuteOfDay(/** @type {string | number} */ iso, /** @type {string} */ tz) {
    const p = wallParts(tz, typeof iso === 'number' ? iso : Date.parse(iso));
    return +p.hour * 60 + +p.minute;
}

/** The instant of wall time day + minutes in zone tz, as UTC RFC 3339. */
export function instantOf(/** @type {string} */ day, /** @type {number} */ minutes, /** @type {string} */ tz) {
    const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
    const mm = String(minutes % 60).padStart(2, '0');
    return /** @type {string} */ (fromLocalInput(`${day}T${hh}:${mm}`, tz));
}

let seq = 0;
/** A unique id for label/input pairs. */
export function uid(/** @type {string} */ prefix) { seq += 1; return `${prefix}-${seq}`; }

/**
 * A labelled form field: <div class="field"><label for>..</label><input|select|textarea></div>.
 * @param {string} label
 * @param {HTMLElement} control
 * @param {string} [hint]
 */
export function field(label, control, hint) {
    if (!control.id) control.id = uid('f');
    const hintEl = hint ? h('small', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
    if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
    return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

/**
 * An <input> with a name and optional value/attributes.
 * @param {string} name @param {string} type @param {string | number | null | undefined} value
 * @param {Record<string, string>} [attrs]
 */
export function input(name, type, value, attrs = {}) {
    const el = /** @type {HTMLInputElement} */ (h('input', { name, type, ...attrs }));
    if (value !== null && value !== undefined) el.value = String(value);
    return el;
}

/**
 * A <select> of [value, label] options.
 * @param {string} name @param {Array<[string, string]>} options @param {string | undefined} value
 */
export function select(name, options, value) {
    const el = /** @type {HTMLSelectElement} */ (h('select', { name },
        options.map(([v, l]) => h('option', { value: v }, l))));
    if (value !== undefined) el.value = value;
    return el;
}

/** Sets the disabled state of a control (boolean attributes are set as properties). */
export function setDisabled(/** @type {Element} */ el, /** @type {boolean} */ on) {
    /** @type {HTMLButtonElement} */ (el).disabled = on;
}

/** The page heading that receives focus on navigation. */
export function heading(/** @type {string} */ text) {
    return h('h1', { tabindex: '-1' }, text);
}

/** A status badge of an event. @param {string} status */
export function statusBadge(status) {
    return h('span', { class: `badge badge-${status}`, 'data-testid': 'event-status' }, t(`org.status.${status}`));
}

/**
 * The event's sub-navigation (all the organizer pages of one event).
 * @param {{id: number, title: string}} ev @param {string} current one of overview, timetable, ...
 */
export function eventNav(ev, current) {
    const items = [
        ['overview', `#/org/events/${ev.id}`],
        ['timetable', `#/org/events/${ev.id}/timetable`],
        ['checkin', `#/org/events/${ev.id}/checkin`],
        ['competitions', `#/org/events/${ev.id}/competitions`],
        ['meetings', `#/org/events/${ev.id}/meetings`],
        ['stats', `#/org/events/${ev.id}/stats`],
        ['screen', `#/screen/${ev.id}`],
    ];
    return h('nav', { class: 'subnav', 'aria-label': `${t('org.nav.label')}: ${ev.title}` },
        h('a', { href: '#/org' }, `← ${t('org.nav.back')}`),
        h('ul', {}, items.map(([k, href]) => h('li', {},
            h('a', k === current ? { href, 'aria-current': 'page' } : { href }, t(`org.nav.${k}`))))));
}

/** A placeholder while a page loads. */
export function loading() {
    return h('p', { class: 'loading', role: 'status' }, t('org.loading'));
}

/** An error shown in place of a page's content. @param {unknown} err */
export function errorBox(err) {
    return h('p', { class: 'error', role: 'alert', 'data-testid': 'page-error' }, errorMessage(err));
}

/** Replaces an element's children. @param {Element} el @param {...(Node | string | null)} kids */
export function replace(el, ...kids) {
    el.replaceChildren(...kids.filter((k) => k !== null).map((k) => (typeof k === 'string' ? document.createTextNode(k) : /** @type {Node} */ (k))));
}

/** Reads all pages of a paged list. @template T @param {(cursor?: string) => Promise<{items: T[], next_cursor?: string | null}>} get @param {number} [max] */
export async function allPages(get, max = 40) {
    /** @type {T[]} */
    const out = [];
    let cursor;
    for (let i = 0; i < max; i++) {
        const page = await get(cursor);
        out.push(...page.items);
        if (!page.next_cursor) break;
        cursor = page.next_cursor;
    }
    return out;
}

/** The time zones offered by the event form (any IANA name may be typed). */
export const ZONES = ['Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Taipei', 'Asia/Tokyo', 'Asia/Singapore',
    'Europe/Berlin', 'Europe/London', 'America/New_York', 'America/Los_Angeles', 'UTC'];
