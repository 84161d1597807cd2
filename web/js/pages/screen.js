// The venue's big screen (#/screen/:eventId): today's timetable (sessions by time and room, the
// pitches of pitch sessions) and the published leaderboards, in large type, refreshing by
// themselves (every 30 s; ?every=N seconds, at least 10). No sign-in: it reads what the public
// may read (a published event; leaderboards once their results are published).
// @ts-check
import { h, fmtTime, fmtDate, fmtNumber, replace } from '../ui.js';
import { t, addMessages } from '../i18n.js';
import { ApiError } from '../api.js';
import { dayKey } from './organizer/common.js';

addMessages({
    zh: {
        'screen.title': '大屏',
        'screen.today': '今日日程',
        'screen.nextDay': '下一个日程日：{day}',
        'screen.noSessions': '没有更多日程。',
        'screen.now': '进行中',
        'screen.next': '即将开始',
        'screen.done': '已结束',
        'screen.board': '大赛排行榜：{title}',
        'screen.rank': '第 {n} 名',
        'screen.updated': '更新于 {time}',
        'screen.offline': '暂时无法刷新（显示的是 {time} 的数据）',
        'screen.score': '{n} 分',
    },
    en: {
        'screen.title': 'Big screen',
        'screen.today': 'Today',
        'screen.nextDay': 'Next day on the programme: {day}',
        'screen.noSessions': 'Nothing more on the programme.',
        'screen.now': 'Now',
        'screen.next': 'Up next',
        'screen.done': 'Over',
        'screen.board': 'Leaderboard: {title}',
        'screen.rank': 'No. {n}',
        'screen.updated': 'Updated {time}',
        'screen.offline': 'Cannot refresh right now (showing the data of {time})',
        'screen.score': '{n} points',
    },
});

/** @param {HTMLElement} root @param {any} ctx */
async function renderScreen(root, ctx) {
    const id = Number(ctx.params.eventId);
    const every = Math.max(10, Number(ctx.query.get('every')) || 30) * 1000;
    const title = h('h1', { class: 'screen-title', tabindex: '-1' }, t('screen.title'));
    const clock = h('p', { class: 'screen-clock', 'aria-live': 'off' });
    const note = h('p', { class: 'screen-note', role: 'status', 'data-testid': 'screen-updated' });
    const body = h('div', { class: 'screen-body' });
    root.classList.add('screen');
    replace(root, h('header', { class: 'screen-head' }, title, clock), body, note);
    /** @type {string} */
    let tz = 'Asia/Shanghai';
    let lastOk = '';
    const tick = () => { clock.textContent = `${fmtDate(new Date().toISOString(), tz)} ${fmtTime(new Date().toISOString(), tz)}`; };

    const load = async () => {
        const [ev, tt] = await Promise.all([ctx.api.event(id), ctx.api.timetable(id)]);
        tz = ev.time_zone;
        title.textContent = ev.title;
        tick();
        const now = Date.now();
        const today = dayKey(now, tz);
        /** @type {Map<number, any[]>} session id -> placed pitches */
        const pitches = new Map();
        for (const r of tt.rooms) for (const s of r.sessions) pitches.set(s.id, s.pitches);
        const sessions = [...ev.sessions].sort((a, b) => a.starts_at.localeCompare(b.starts_at) || a.room.localeCompare(b.room));
        let day = today;
        let list = sessions.filter((s) => dayKey(s.starts_at, tz) === today);
        let heading = t('screen.today');
        if (list.length === 0) {
            const later = sessions.find((s) => Date.parse(s.starts_at) > now);
            if (later) {
                day = dayKey(later.starts_at, tz);
                list = sessions.filter((s) => dayKey(s.starts_at, tz) === day);
                heading = t('screen.nextDay', { day: fmtDate(later.starts_at, tz) });
            }
        }
        const state = (/** @type {any} */ s) => {
            const a = Date.parse(s.starts_at), b = Date.parse(s.ends_at);
            if (now >= b) return 'done';
            if (now >= a) return 'now';
            return 'next';
        };
        const timetable = h('section', { class: 'screen-timetable', 'aria-labelledby': 'screen-tt-h', 'data-testid': 'screen-timetable' },
            h('h2', { id: 'screen-tt-h' }, heading),
            list.length === 0 ? h('p', {}, t('screen.noSessions')) : h('ol', { class: 'screen-sessions' }, list.map((s) => {
                const st = state(s);
                const ps = (pitches.get(s.id) || []);
                return h('li', { class: `screen-session is-${st}`, 'data-testid': 'screen-session' },
                    h('span', { class: 'screen-time' }, `${fmtTime(s.starts_at, tz)}–${fmtTime(s.ends_at, tz)}`),
                    h('span', { class: 'screen-what' }, h('strong', {}, s.title), s.room ? h('span', { class: 'screen-room' }, s.room) : null),
                    st === 'done' ? h('span', { class: 'screen-state' }, t('screen.done')) : h('span', { class: `screen-state ${st}` }, t(st === 'now' ? 'screen.now' : 'screen.next')),
                    ps.length ? h('ol', { class: 'screen-pitches' }, ps.map((/** @type {any} */ p) => h('li', {
                        class: Date.parse(p.starts_at) <= now && now < Date.parse(p.ends_at) ? 'is-now' : null,
                    }, h('span', { class: 'screen-time' }, fmtTime(p.starts_at, tz)), ' ', p.project?.title || '', p.organization?.name ? h('span', { class: 'screen-room' }, p.organization.name) : null))) : null);
            })));

        // Published leaderboards of the event's competitions.
        const comps = sessions.filter((s) => s.kind === 'competition');
        const boards = await Promise.all(comps.map((s) => ctx.api.leaderboard(s.id).then((b) => ({ s, b })).catch((e) => {
            if (e instanceof ApiError && (e.status === 403 || e.status === 404)) return null;
            throw e;
        })));
        const published = boards.filter((x) => x && x.b.results_published);
        const boardEls = published.map((x) => {
            const { s, b } = /** @type {{s: any, b: any}} */ (x);
            return h('section', { class: 'screen-board', 'aria-label': t('screen.board', { title: s.title }), 'data-testid': 'screen-leaderboard' },
                h('h2', {}, t('screen.board', { title: s.title })),
                h('ol', { class: 'screen-ranks' }, b.items.slice(0, 8).map((/** @type {any} */ e) => h('li', { class: `rank-${e.rank}` },
                    h('span', { class: 'screen-rank' }, t('screen.rank', { n: e.rank })),
                    h('span', { class: 'screen-what' }, h('strong', {}, e.project_title || ''), h('span', { class: 'screen-room' }, e.organization_name || '')),
                    h('span', { class: 'screen-score' }, t('screen.score', { n: fmtNumber(e.raw_mean, { maximumFractionDigits: 1 }) }))))));
        });
        body.classList.toggle('has-boards', boardEls.length > 0);
        replace(body, timetable, boardEls.length ? h('div', { class: 'screen-boards' }, boardEls) : null);
        lastOk = fmtTime(new Date().toISOString(), tz);
        note.textContent = t('screen.updated', { time: lastOk });
    };

    await load();
    const refresh = window.setInterval(() => {
        load().catch(() => { note.textContent = t('screen.offline', { time: lastOk }); });
    }, every);
    const clockTimer = window.setInterval(tick, 15000);
    return () => { clearInterval(refresh); clearInterval(clockTimer); root.classList.remove('screen'); };
}

/** @type {import('../app.js').Route[]} */
export const routes = [
    { path: '#/screen/:eventId', title: 'screen.title', render: renderScreen, bare: true },
];
