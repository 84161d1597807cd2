// The event's stats as charts the client draws in SVG, each with a text alternative (a title and
// description for screen readers, and the figures as a table): registrations over time (the
// registrations_by_day series of GET /events/{id}/stats: days of the event's zone), fill rate per
// session, and interests, matches and meetings.
import { h, svg, fmtNumber, fmtDate } from '../../ui.js';
import { t, addMessages } from '../../i18n.js';
import { heading, eventNav, loading, errorBox, replace, uid, instantOf } from './common.js';

addMessages({
    zh: {
        'org.stats.title': '数据：{title}',
        'org.stats.totals': '总览',
        'org.stats.t.capacity': '总容量',
        'org.stats.t.registrations': '报名',
        'org.stats.t.confirmed': '已确认',
        'org.stats.t.waitlisted': '候补',
        'org.stats.t.cancelled': '已取消',
        'org.stats.t.checked_in': '已签到',
        'org.stats.t.fill_rate': '上座率',
        'org.stats.t.exhibitors': '参展企业',
        'org.stats.overTime': '报名随时间变化（累计）',
        'org.stats.overTimeDesc': '从 {from} 到 {to}，累计报名从 {a} 增加到 {b}。',
        'org.stats.overTimeNote': '按报名提交的日期统计（活动时区），之后取消的报名也计入。',
        'org.stats.overTimeNone': '还没有报名。',
        'org.stats.fill': '各场次上座率（已确认 / 容量）',
        'org.stats.fillDesc': '{n} 个场次；最高 {max}，最低 {min}。',
        'org.stats.matching': '撮合与会面',
        'org.stats.matchingDesc': '意向 {i}，双向匹配 {m}，已排会面 {g}。',
        'org.stats.m.interests': '意向',
        'org.stats.m.mutual_matches': '双向匹配',
        'org.stats.m.meetings': '会面',
        'org.stats.data': '查看数据表',
        'org.stats.col.day': '日期',
        'org.stats.col.new': '当日新增',
        'org.stats.col.total': '累计',
        'org.stats.col.session': '场次',
        'org.stats.col.confirmed': '已确认',
        'org.stats.col.capacity': '容量',
        'org.stats.col.fill': '上座率',
        'org.stats.col.what': '项目',
        'org.stats.col.count': '数量',
        'org.stats.noSessions': '还没有场次。',
    },
    en: {
        'org.stats.title': 'Stats: {title}',
        'org.stats.totals': 'Totals',
        'org.stats.t.capacity': 'Capacity',
        'org.stats.t.registrations': 'Registrations',
        'org.stats.t.confirmed': 'Confirmed',
        'org.stats.t.waitlisted': 'Waitlisted',
        'org.stats.t.cancelled': 'Cancelled',
        'org.stats.t.checked_in': 'Checked in',
        'org.stats.t.fill_rate': 'Fill rate',
        'org.stats.t.exhibitors': 'Exhibitors',
        'org.stats.overTime': 'Registrations over time (cumulative)',
        'org.stats.overTimeDesc': 'From {from} to {to}, registrations grew from {a} to {b}.',
        'org.stats.overTimeNote': 'Counted by the day each registration was made (event time zone), including those cancelled since.',
        'org.stats.overTimeNone': 'No registrations yet.',
        'org.stats.fill': 'Fill rate per session (confirmed / capacity)',
        'org.stats.fillDesc': '{n} sessions; highest {max}, lowest {min}.',
        'org.stats.matching': 'Matching and meetings',
        'org.stats.matchingDesc': '{i} interests, {m} mutual matches, {g} meetings scheduled.',
        'org.stats.m.interests': 'Interests',
        'org.stats.m.mutual_matches': 'Mutual matches',
        'org.stats.m.meetings': 'Meetings',
        'org.stats.data': 'Show the data',
        'org.stats.col.day': 'Day',
        'org.stats.col.new': 'New',
        'org.stats.col.total': 'Total',
        'org.stats.col.session': 'Session',
        'org.stats.col.confirmed': 'Confirmed',
        'org.stats.col.capacity': 'Capacity',
        'org.stats.col.fill': 'Fill rate',
        'org.stats.col.what': 'What',
        'org.stats.col.count': 'Count',
        'org.stats.noSessions': 'No sessions yet.',
    },
});

const pct = (/** @type {number} */ x) => fmtNumber(x, { style: 'percent', maximumFractionDigits: 0 });

/**
 * A figure: an SVG chart (role=img, named by its title and described by desc) and its data as a
 * table inside <details>.
 * @param {string} testid @param {string} title @param {string} desc @param {SVGElement} chart
 * @param {string[]} cols @param {Array<Array<string>>} rows
 */
function figure(testid, title, desc, chart, cols, rows) {
    const tid = uid('chart-title');
    const did = uid('chart-desc');
    chart.setAttribute('role', 'img');
    chart.setAttribute('aria-labelledby', `${tid} ${did}`);
    chart.prepend(svg('title', { id: tid }, title), svg('desc', { id: did }, desc));
    return h('figure', { class: 'chart', 'data-testid': testid },
        h('figcaption', {}, h('strong', {}, title), h('span', { class: 'meta' }, ` ${desc}`)),
        chart,
        h('details', {}, h('summary', {}, t('org.stats.data')),
            h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('org.table.scroll') }, h('table', {},
                h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
                h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', { class: 'num' }, c))))))))));
}

/**
 * Horizontal bars: one per [label, value, text]; value in 0..max.
 * @param {Array<{label: string, value: number, text: string}>} items @param {number} max @param {string} kind
 */
function hbars(items, max, kind) {
    const W = 640, labelW = 200, rowH = 30, pad = 8;
    const H = items.length * rowH + pad * 2;
    const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: `hbars ${kind}`, preserveAspectRatio: 'xMinYMin meet' });
    items.forEach((it, i) => {
        const y = pad + i * rowH;
        const bw = max > 0 ? Math.max(0, Math.min(1, it.value / max)) * (W - labelW - 70) : 0;
        const label = it.label.length > 16 ? `${it.label.slice(0, 15)}…` : it.label;
        chart.append(svg('g', { class: 'bar-row', 'data-value': String(it.value) },
            svg('text', { x: labelW - 8, y: y + rowH / 2 + 4, 'text-anchor': 'end', class: 'bar-label' }, label),
            svg('rect', { x: labelW, y: y + 5, width: bw.toFixed(1), height: rowH - 10, rx: 3, class: 'bar' }),
            svg('text', { x: (labelW + bw + 6).toFixed(1), y: y + rowH / 2 + 4, class: 'bar-value' }, it.text)));
    });
    return chart;
}

/**
 * A cumulative line over days. @param {Array<{day: string, total: number}>} points @param {string} tz
 */
function line(points, tz) {
    const W = 640, H = 240, L = 48, R = 16, T = 16, B = 36;
    const max = Math.max(1, ...points.map((p) => p.total));
    const x = (/** @type {number} */ i) => L + (points.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (points.length - 1));
    const y = (/** @type {number} */ v) => T + (H - T - B) * (1 - v / max);
    const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'line-chart', preserveAspectRatio: 'xMinYMin meet' });
    // Axes and 4 grid lines.
    for (let k = 0; k <= 4; k++) {
        const v = Math.round((max * k) / 4);
        chart.append(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }),
            svg('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, fmtNumber(v)));
    }
    const every = Math.max(1, Math.ceil(points.length / 6));
    points.forEach((p, i) => {
        if (i % every === 0 || i === points.length - 1) {
            chart.append(svg('text', { x: x(i), y: H - 12, 'text-anchor': 'middle', class: 'axis' },
                fmtDate(instantOf(p.day, 12 * 60, tz), tz).replace(/^\d{4}\D*/, '').replace(/,?\s*\d{4}$/, '')));
        }
    });
    chart.append(svg('polyline', { points: points.map((p, i) => `${x(i).toFixed(1)},${y(p.total).toFixed(1)}`).join(' '), class: 'line' }));
    points.forEach((p, i) => chart.append(svg('circle', { cx: x(i).toFixed(1), cy: y(p.total).toFixed(1), r: 4, class: 'dot', 'data-value': String(p.total) })));
    return chart;
}

/** #/org/events/:id/stats @param {HTMLElement} root @param {any} ctx */
export async function renderStats(root, ctx) {
    const id = Number(ctx.params.id);
    replace(root, loading());
    /** @type {any} */ let ev; /** @type {any} */ let st;
    try { [ev, st] = await Promise.all([ctx.api.event(id), ctx.api.stats(id)]); } catch (e) { replace(root, errorBox(e)); return; }
    const tz = ev.time_zone;
    const tot = st.totals;
    const overTime = h('div', { 'data-testid': 'over-time-slot' });

    const totals = h('dl', { class: 'stat-tiles', 'data-testid': 'stat-totals' },
        ['registrations', 'confirmed', 'waitlisted', 'cancelled', 'checked_in', 'capacity'].map((k) => h('div', {},
            h('dt', {}, t(`org.stats.t.${k}`)), h('dd', {}, fmtNumber(tot[k])))),
        h('div', {}, h('dt', {}, t('org.stats.t.fill_rate')), h('dd', {}, pct(tot.fill_rate))),
        h('div', {}, h('dt', {}, t('org.stats.t.exhibitors')), h('dd', {}, fmtNumber(st.exhibitors))));

    const sessions = st.sessions;
    const fill = sessions.length === 0 ? h('p', { class: 'muted' }, t('org.stats.noSessions')) : figure('chart-fill', t('org.stats.fill'),
        t('org.stats.fillDesc', {
            n: sessions.length,
            max: pct(Math.max(...sessions.map((/** @type {any} */ s) => s.fill_rate))),
            min: pct(Math.min(...sessions.map((/** @type {any} */ s) => s.fill_rate))),
        }),
        hbars(sessions.map((/** @type {any} */ s) => ({ label: s.title, value: s.fill_rate, text: `${pct(s.fill_rate)} (${fmtNumber(s.confirmed)}/${fmtNumber(s.capacity)})` })), 1, 'fill'),
        [t('org.stats.col.session'), t('org.stats.col.confirmed'), t('org.stats.col.capacity'), t('org.stats.col.fill')],
        sessions.map((/** @type {any} */ s) => [s.title, fmtNumber(s.confirmed), fmtNumber(s.capacity), pct(s.fill_rate)]));

    const m = st.matching;
    const mItems = ['interests', 'mutual_matches', 'meetings'].map((k) => ({ label: t(`org.stats.m.${k}`), value: m[k], text: fmtNumber(m[k]) }));
    const matching = figure('chart-matching', t('org.stats.matching'),
        t('org.stats.matchingDesc', { i: fmtNumber(m.interests), m: fmtNumber(m.mutual_matches), g: fmtNumber(m.meetings) }),
        hbars(mItems, Math.max(1, ...mItems.map((x) => x.value)), 'matching'),
        [t('org.stats.col.what'), t('org.stats.col.count')], mItems.map((x) => [x.label, x.text]));

    replace(root, eventNav(ev, 'stats'), heading(t('org.stats.title', { title: ev.title })),
        h('h2', {}, t('org.stats.totals')), totals,
        h('h2', {}, t('org.stats.overTime')), overTime,
        h('h2', {}, t('org.stats.fill')), fill,
        h('h2', {}, t('org.stats.matching')), matching);

    // Registrations over time: one point per day of the event's zone, quiet days included.
    /** @type {Array<{date: string, registrations: number, cumulative: number}>} */
    const byDay = st.registrations_by_day;
    if (byDay.length === 0) {
        replace(overTime, h('p', { class: 'muted' }, t('org.stats.overTimeNone')));
        return;
    }
    const points = byDay.map((d) => ({ day: d.date, total: d.cumulative, n: d.registrations }));
    const label = (/** @type {string} */ d) => fmtDate(instantOf(d, 12 * 60, tz), tz);
    const last = points[points.length - 1];
    replace(overTime, figure('chart-over-time', t('org.stats.overTime'),
        t('org.stats.overTimeDesc', { from: label(points[0].day), to: label(last.day), a: fmtNumber(points[0].total), b: fmtNumber(last.total) }),
        line(points, tz),
        [t('org.stats.col.day'), t('org.stats.col.new'), t('org.stats.col.total')],
        points.map((p) => [label(p.day), fmtNumber(p.n), fmtNumber(p.total)])),
    h('p', { class: 'hint' }, t('org.stats.overTimeNote')));
}
