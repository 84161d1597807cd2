// The pitch timetable as a grid of rooms × time for one day (in the event's zone). A pitch is
// selected (its "Move" button, or dragged), then a cell is chosen: PUT /pitches/{id}/slot; a clash
// the API refuses is shown in that cell with the reason, and the other pitch is marked. Pitches
// are removed from the grid with DELETE /pitches/{id}/slot, added with POST
// /sessions/{id}/pitches, and the auto-scheduler is one button per pitch session.
//
// The grid comes from GET /events/{id}/timetable (placed pitches); the unplaced list from GET
// /sessions/{id}/pitches?placed=false for every pitch session, so it holds every pitch waiting
// for a slot, however it was added (here, through the API, in another browser).
import { h, fmtTime, fmtDate, toast, errorMessage } from '../../ui.js';
import { t, addMessages } from '../../i18n.js';
import {
    heading, eventNav, loading, errorBox, replace, field, input, select, setDisabled,
    dayKey, minuteOfDay, instantOf, allPages,
} from './common.js';

addMessages({
    zh: {
        'org.tt.title': '路演时间表：{title}',
        'org.tt.day': '日期',
        'org.tt.noPitchSessions': '此活动还没有路演场次。请先在“概况与场次”中添加类型为“路演”的场次。',
        'org.tt.caption': '{day} 的路演时间表（行：时间，列：会场）',
        'org.tt.time': '时间',
        'org.tt.auto': '自动排程：{title}',
        'org.tt.autoDone': '{title}：已排 {placed} 个，未排 {unplaced} 个',
        'org.tt.unplacedReason': '路演 #{id} 未排入：{reason}',
        'org.tt.move': '移动',
        'org.tt.moveOf': '移动 {title}',
        'org.tt.remove': '移出',
        'org.tt.removeOf': '从时间表移出 {title}',
        'org.tt.removed': '{title} 已移出时间表',
        'org.tt.placeAt': '放在 {time}',
        'org.tt.placeAtLabel': '把 {title} 放在 {room} {time}',
        'org.tt.placeHere': '放在此处（{time}）',
        'org.tt.placed': '{title} 已放在 {room} {time}',
        'org.tt.selected': '已选择 {title}：请在 {session} 中选择一个时间格（Esc 取消）',
        'org.tt.cancelSel': '取消选择',
        'org.tt.clash': '无法放置：{reason}',
        'org.tt.clashWith': '与此路演冲突',
        'org.tt.pool': '未排入的路演',
        'org.tt.poolEmpty': '没有待排的路演。',
        'org.tt.poolNote': '本活动各路演场次中尚未排入时间表的全部路演。',
        'org.tt.add': '新增路演',
        'org.tt.f.session': '路演场次',
        'org.tt.f.project': '项目 ID',
        'org.tt.f.presenter': '演讲人用户 ID',
        'org.tt.f.minutes': '时长（分钟）',
        'org.tt.added': '路演已新增（未排）',
        'org.tt.min': '{n} 分钟',
        'org.tt.presenter': '演讲人：{name}',
        'org.tt.session': '场次：{title}',
        'org.tt.pitch': '路演 #{id}',
    },
    en: {
        'org.tt.title': 'Pitch timetable: {title}',
        'org.tt.day': 'Day',
        'org.tt.noPitchSessions': 'This event has no pitch session yet. Add a session of kind "Pitch" under "Overview & sessions" first.',
        'org.tt.caption': 'Pitch timetable of {day} (rows: time, columns: rooms)',
        'org.tt.time': 'Time',
        'org.tt.auto': 'Auto-schedule: {title}',
        'org.tt.autoDone': '{title}: {placed} placed, {unplaced} not placed',
        'org.tt.unplacedReason': 'Pitch #{id} not placed: {reason}',
        'org.tt.move': 'Move',
        'org.tt.moveOf': 'Move {title}',
        'org.tt.remove': 'Remove',
        'org.tt.removeOf': 'Remove {title} from the timetable',
        'org.tt.removed': '{title} removed from the timetable',
        'org.tt.placeAt': 'Place at {time}',
        'org.tt.placeAtLabel': 'Place {title} in {room} at {time}',
        'org.tt.placeHere': 'Place here ({time})',
        'org.tt.placed': '{title} placed in {room} at {time}',
        'org.tt.selected': '{title} selected: choose a cell in {session} (Esc cancels)',
        'org.tt.cancelSel': 'Cancel the selection',
        'org.tt.clash': 'Cannot place here: {reason}',
        'org.tt.clashWith': 'Clashes with this pitch',
        'org.tt.pool': 'Unplaced pitches',
        'org.tt.poolEmpty': 'No pitches waiting for a slot.',
        'org.tt.poolNote': 'Every pitch of the event\'s pitch sessions that has no slot yet.',
        'org.tt.add': 'Add a pitch',
        'org.tt.f.session': 'Pitch session',
        'org.tt.f.project': 'Project ID',
        'org.tt.f.presenter': 'Presenter user ID',
        'org.tt.f.minutes': 'Minutes',
        'org.tt.added': 'Pitch added (unplaced)',
        'org.tt.min': '{n} min',
        'org.tt.presenter': 'Presenter: {name}',
        'org.tt.session': 'Session: {title}',
        'org.tt.pitch': 'Pitch #{id}',
    },
});

/** @typedef {{id: number, session_id: number, minutes: number, project?: {id: number, title: string | null}, presenter?: {id: number, display_name: string | null}, organization?: {id: number, name: string | null} | null, starts_at?: string | null, ends_at?: string | null}} Pitch */

const gcd = (/** @type {number} */ a, /** @type {number} */ b) => { a = Math.abs(a); b = Math.abs(b); while (b) [a, b] = [b, a % b]; return a; };
const pitchTitle = (/** @type {Pitch} */ p) => p.project?.title || t('org.tt.pitch', { id: p.id });

/** #/org/events/:id/timetable @param {HTMLElement} root @param {any} ctx */
export async function renderTimetable(root, ctx) {
    const eventId = Number(ctx.params.id);
    replace(root, loading());
    /** @type {any} */ let ev;
    /** @type {any} */ let tt;
    /** The unplaced pitches of every pitch session. @type {Pitch[]} */ let unplaced = [];
    /** @param {any[]} sessions @returns {Promise<Pitch[]>} */
    const loadUnplaced = async (sessions) => (await Promise.all(sessions.map((s) =>
        allPages((/** @type {string | undefined} */ cursor) => ctx.api.sessionPitches(s.id, { placed: 'false', limit: 500, cursor }), 20)))).flat();
    try {
        [ev, tt] = await Promise.all([ctx.api.event(eventId), ctx.api.timetable(eventId)]);
        unplaced = await loadUnplaced(ev.sessions.filter((/** @type {any} */ s) => s.kind === 'pitch'));
    } catch (e) { replace(root, errorBox(e)); return; }
    const tz = ev.time_zone;
    const pitchSessions = ev.sessions.filter((/** @type {any} */ s) => s.kind === 'pitch')
        .sort((/** @type {any} */ a, /** @type {any} */ b) => a.starts_at.localeCompare(b.starts_at));
    const head = [eventNav(ev, 'timetable'), heading(t('org.tt.title', { title: ev.title }))];
    if (pitchSessions.length === 0) {
        replace(root, ...head, h('p', { 'data-testid': 'no-pitch-sessions' }, t('org.tt.noPitchSessions')));
        return;
    }
    const days = [...new Set(pitchSessions.map((/** @type {any} */ s) => dayKey(s.starts_at, tz)))].sort();

    const state = {
        day: days.includes(ctx.query.get('day')) ? ctx.query.get('day') : days[0],
        /** @type {Pitch | null} */ selected: null,
        /** @type {{pitchId: number, room: string, start: string, message: string, code: string, other: number | null} | null} */ clash: null,
        /** @type {HTMLElement | null} */ focusAfter: null,
        /** @type {string | null} */ focusKey: null,
    };
    const status = h('p', { class: 'tt-status', role: 'status', 'aria-live': 'polite', 'data-testid': 'tt-status' });
    const gridSlot = h('div', { class: 'tt-wrap' });
    const poolSlot = h('div', {});
    const autoSlot = h('div', { class: 'actions' });
    const autoReport = h('ul', { class: 'tt-report', 'data-testid': 'auto-report' });
    const daySel = select('day', days.map((d) => /** @type {[string, string]} */ ([d, fmtDate(instantOf(d, 12 * 60, tz), tz)])), state.day);
    daySel.addEventListener('change', () => { state.day = daySel.value; state.selected = null; state.clash = null; draw(); });

    /** All placed pitches, by id. @type {Map<number, Pitch>} */
    let placed = new Map();
    const indexPlaced = () => {
        placed = new Map();
        for (const r of tt.rooms) for (const s of r.sessions) for (const p of s.pitches) placed.set(p.id, p);
    };
    indexPlaced();

    const reload = async () => {
        [tt, unplaced] = await Promise.all([ctx.api.timetable(eventId), loadUnplaced(pitchSessions)]);
        indexPlaced();
    };

    /** @param {Pitch} p */
    const select_ = (p) => {
        state.selected = p;
        state.clash = null;
        const s = pitchSessions.find((/** @type {any} */ x) => x.id === p.session_id);
        status.textContent = t('org.tt.selected', { title: pitchTitle(p), session: s ? s.title : '' });
        state.focusKey = `first-${p.session_id}`;
        draw();
    };
    const unselect = () => { state.selected = null; status.textContent = ''; draw(); };

    /** @param {Pitch} p @param {string} startIso @param {string} room @param {string} key */
    const place = async (p, startIso, room, key) => {
        try {
            const r = await ctx.api.placePitch(p.id, startIso);
            state.selected = null;
            state.clash = null;
            await reload();
            status.textContent = t('org.tt.placed', { title: pitchTitle(r), room, time: fmtTime(r.starts_at, tz) });
            state.focusKey = `pitch-${p.id}`;
        } catch (e) {
            const err = /** @type {any} */ (e);
            const env = err.envelope?.error || {};
            state.clash = {
                pitchId: p.id, room, start: startIso, code: err.code || '', message: errorMessage(e),
                other: env.clash_pitch_id ?? null,
            };
            status.textContent = t('org.tt.clash', { reason: errorMessage(e) });
            state.focusKey = key;
        }
        draw();
    };

    /** @param {Pitch} p */
    const unplace = async (p) => {
        try {
            await ctx.api.unplacePitch(p.id);
            await reload();
            status.textContent = t('org.tt.removed', { title: pitchTitle(p) });
            state.focusKey = `pool-${p.id}`;
            draw();
        } catch (e) { toast(errorMessage(e), 'error'); }
    };

    const pitchInfo = (/** @type {Pitch} */ p) => [
        h('span', { class: 'tt-pitch-title' }, pitchTitle(p)),
        p.organization?.name ? h('span', { class: 'tt-pitch-org' }, p.organization.name) : null,
        p.presenter?.display_name ? h('span', { class: 'tt-pitch-presenter' }, t('org.tt.presenter', { name: p.presenter.display_name })) : null,
    ];

    /** The Move and Remove buttons (and dragging) of a pitch. @param {Pitch} p */
    const pitchButtons = (p, /** @type {boolean} */ isPlaced) => {
        const sel = state.selected?.id === p.id;
        const move = h('button', {
            type: 'button', class: 'small', 'aria-pressed': sel ? 'true' : 'false',
            'aria-label': t('org.tt.moveOf', { title: pitchTitle(p) }), 'data-testid': 'pitch-move',
            'data-focus': isPlaced ? `pitch-${p.id}` : `pool-${p.id}`,
        }, t('org.tt.move'));
        move.addEventListener('click', () => (sel ? unselect() : select_(p)));
        const out = [move];
        if (isPlaced) {
            const rm = h('button', { type: 'button', class: 'small secondary', 'aria-label': t('org.tt.removeOf', { title: pitchTitle(p) }), 'data-testid': 'pitch-remove' }, t('org.tt.remove'));
            rm.addEventListener('click', () => unplace(p));
            out.push(rm);
        }
        return out;
    };
    /** @param {HTMLElement} el @param {Pitch} p */
    const draggable = (el, p) => {
        el.setAttribute('draggable', 'true');
        el.addEventListener('dragstart', (e) => {
            state.selected = p;
            e.dataTransfer?.setData('text/plain', String(p.id));
        });
    };
    /** @param {HTMLElement} el @param {() => void} onDrop */
    const dropTarget = (el, onDrop) => {
        el.addEventListener('dragover', (e) => e.preventDefault());
        el.addEventListener('drop', (e) => { e.preventDefault(); onDrop(); });
    };
    /** The clash message in the cell where it happened. @param {string} room @param {string} start */
    const clashHere = (room, start) => (state.clash && state.clash.room === room && state.clash.start === start
        ? h('p', { class: 'tt-clash', role: 'alert', 'data-testid': 'clash', 'data-code': state.clash.code }, t('org.tt.clash', { reason: state.clash.message }))
        : null);

    const draw = () => {
        const day = /** @type {string} */ (state.day);
        // The rooms with a pitch session that day, and the minutes the grid spans.
        const daySessions = [];
        for (const r of tt.rooms) {
            for (const s of r.sessions) if (dayKey(s.starts_at, tz) === day || dayKey(s.ends_at, tz) === day) daySessions.push({ room: r.room, s });
        }
        const rooms = [...new Set(daySessions.filter((x) => x.s.kind === 'pitch').map((x) => x.room))];
        const inRooms = daySessions.filter((x) => rooms.includes(x.room));
        const mStart = (/** @type {string} */ iso) => (dayKey(iso, tz) === day ? minuteOfDay(iso, tz) : 0);
        const mEnd = (/** @type {string} */ iso) => (dayKey(iso, tz) === day ? minuteOfDay(iso, tz) || 24 * 60 : 24 * 60);
        const pitchRanges = inRooms.filter((x) => x.s.kind === 'pitch');
        const from = Math.min(...pitchRanges.map((x) => mStart(x.s.starts_at)));
        const to = Math.max(...pitchRanges.map((x) => mEnd(x.s.ends_at)));
        let step = 0;
        for (const x of inRooms) {
            step = gcd(step, mStart(x.s.starts_at) - from);
            for (const p of x.s.pitches) { step = gcd(step, mStart(p.starts_at) - from); step = gcd(step, p.minutes); }
        }
        for (const p of unplaced) step = gcd(step, p.minutes);
        step = Math.max(5, Math.min(step || 30, 30));
        const rows = Math.max(1, Math.ceil((to - from) / step));
        const rowOf = (/** @type {number} */ m) => Math.floor((m - from) / step);

        /** @type {Map<string, number>} room -> first row not covered yet */
        const coveredUntil = new Map(rooms.map((r) => [r, 0]));
        const tbody = h('tbody', {});
        const firstCell = new Set();
        for (let r = 0; r < rows; r++) {
            const m = from + r * step;
            const tr = h('tr', {}, h('th', { scope: 'row', class: 'tt-time' }, fmtTime(instantOf(day, m, tz), tz)));
            for (const room of rooms) {
                if (/** @type {number} */ (coveredUntil.get(room)) > r) continue;
                const here = inRooms.filter((x) => x.room === room);
                const pitch = here.flatMap((x) => x.s.pitches).find((/** @type {any} */ p) => dayKey(p.starts_at, tz) === day && rowOf(minuteOfDay(p.starts_at, tz)) === r);
                if (pitch) {
                    const span = Math.max(1, Math.min(rows - r, Math.ceil((mEnd(pitch.ends_at) - mStart(pitch.starts_at)) / step)));
                    coveredUntil.set(room, r + span);
                    const isSel = state.selected?.id === pitch.id;
                    const isOther = state.clash?.other === pitch.id;
                    const card = h('div', { class: `tt-pitch${isSel ? ' is-selected' : ''}${isOther ? ' is-clash' : ''}`, 'data-testid': 'tt-pitch', 'data-pitch-id': String(pitch.id) },
                        h('span', { class: 'tt-pitch-time' }, `${fmtTime(pitch.starts_at, tz)}–${fmtTime(pitch.ends_at, tz)}`),
                        ...pitchInfo(pitch),
                        isOther ? h('span', { class: 'tt-clash-with' }, t('org.tt.clashWith')) : null,
                        h('span', { class: 'tt-pitch-actions' }, ...pitchButtons(pitch, true)));
                    draggable(card, pitch);
                    const td = h('td', { rowspan: String(span), class: 'tt-cell tt-has-pitch' }, card);
                    const sel = state.selected;
                    if (sel && sel.id !== pitch.id && sel.session_id === pitch.session_id) {
                        const key = `cell-${room}-${pitch.starts_at}`;
                        const b = h('button', {
                            type: 'button', class: 'small tt-place', 'data-focus': key, 'data-testid': 'tt-place-here',
                            'aria-label': t('org.tt.placeAtLabel', { title: pitchTitle(sel), room, time: fmtTime(pitch.starts_at, tz) }),
                        }, t('org.tt.placeHere', { time: fmtTime(pitch.starts_at, tz) }));
                        b.addEventListener('click', () => place(sel, pitch.starts_at, room, key));
                        card.append(b);
                    }
                    dropTarget(td, () => { if (state.selected && state.selected.id !== pitch.id) place(state.selected, pitch.starts_at, room, `pitch-${state.selected.id}`); });
                    const c = clashHere(room, pitch.starts_at);
                    if (c) card.append(c);
                    tr.append(td);
                    continue;
                }
                const sess = here.find((x) => mStart(x.s.starts_at) <= m && m < mEnd(x.s.ends_at));
                if (sess && sess.s.kind !== 'pitch') {
                    const next = here.flatMap((x) => x.s.pitches).map((/** @type {any} */ p) => rowOf(minuteOfDay(p.starts_at, tz))).filter((x) => x > r);
                    const end = Math.min(rows, Math.ceil((mEnd(sess.s.ends_at) - from) / step), ...next);
                    const span = Math.max(1, end - r);
                    coveredUntil.set(room, r + span);
                    tr.append(h('td', { rowspan: String(span), class: 'tt-cell tt-other' }, h('span', {}, sess.s.title)));
                    continue;
                }
                if (sess) {
                    const start = instantOf(day, m, tz);
                    const td = h('td', { class: 'tt-cell tt-free', 'data-testid': 'tt-cell', 'data-room': room, 'data-time': fmtTime(start, tz), 'data-start': start });
                    const sel = state.selected;
                    if (sel && sel.session_id === sess.s.id) {
                        const key = `cell-${room}-${start}`;
                        const b = h('button', {
                            type: 'button', class: 'small tt-place', 'data-focus': key, 'data-testid': 'tt-place',
                            'aria-label': t('org.tt.placeAtLabel', { title: pitchTitle(sel), room, time: fmtTime(start, tz) }),
                        }, t('org.tt.placeAt', { time: fmtTime(start, tz) }));
                        if (!firstCell.has(sel.session_id)) { firstCell.add(sel.session_id); b.setAttribute('data-focus-first', `first-${sel.session_id}`); }
                        b.addEventListener('click', () => place(sel, start, room, key));
                        td.append(b);
                    }
                    dropTarget(td, () => { if (state.selected) place(state.selected, start, room, `cell-${room}-${start}`); });
                    const c = clashHere(room, start);
                    if (c) td.append(c);
                    tr.append(td);
                    continue;
                }
                tr.append(h('td', { class: 'tt-cell tt-empty' }));
            }
            tbody.append(tr);
        }
        const table = h('table', { class: 'tt-grid', 'data-testid': 'timetable-grid' },
            h('caption', {}, t('org.tt.caption', { day: fmtDate(instantOf(day, 12 * 60, tz), tz) })),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('org.tt.time')), rooms.map((r) => h('th', { scope: 'col' }, r)))),
            tbody);
        replace(gridSlot, table);
        gridSlot.setAttribute('tabindex', '0'); gridSlot.setAttribute('role', 'region'); gridSlot.setAttribute('aria-label', t('org.table.scroll'));

        // The auto-scheduler, one button per pitch session of the day.
        autoSlot.replaceChildren(...pitchSessions.filter((/** @type {any} */ s) => dayKey(s.starts_at, tz) === day).map((/** @type {any} */ s) => {
            const b = h('button', { type: 'button', 'data-testid': 'auto-schedule' }, t('org.tt.auto', { title: s.title }));
            b.addEventListener('click', async () => {
                setDisabled(b, true);
                try {
                    const r = await ctx.api.schedulePitches(s.id);
                    await reload();
                    state.selected = null; state.clash = null;
                    autoReport.replaceChildren(h('li', {}, t('org.tt.autoDone', { title: s.title, placed: r.placed.length, unplaced: r.unplaced.length })),
                        ...r.unplaced.map((u) => h('li', {}, t('org.tt.unplacedReason', { id: u.pitch_id, reason: u.reason }))));
                    status.textContent = t('org.tt.autoDone', { title: s.title, placed: r.placed.length, unplaced: r.unplaced.length });
                    draw();
                } catch (e) { toast(errorMessage(e), 'error'); }
                setDisabled(b, false);
            });
            return b;
        }));

        // Every unplaced pitch of the event's pitch sessions.
        const pool = unplaced.filter((p) => pitchSessions.some((/** @type {any} */ s) => s.id === p.session_id));
        replace(poolSlot,
            h('h2', {}, t('org.tt.pool')),
            h('p', { class: 'hint' }, t('org.tt.poolNote')),
            pool.length === 0 ? h('p', {}, t('org.tt.poolEmpty')) : h('ul', { class: 'tt-pool', 'data-testid': 'pitch-pool' }, pool.map((p) => {
                const s = pitchSessions.find((/** @type {any} */ x) => x.id === p.session_id);
                const li = h('li', { class: `tt-pitch${state.selected?.id === p.id ? ' is-selected' : ''}`, 'data-pitch-id': String(p.id) },
                    ...pitchInfo(p),
                    h('span', {}, t('org.tt.min', { n: p.minutes })),
                    s ? h('span', {}, t('org.tt.session', { title: s.title })) : null,
                    h('span', { class: 'tt-pitch-actions' }, ...pitchButtons(p, false)));
                draggable(li, p);
                return li;
            })));

        if (state.focusKey) {
            const k = state.focusKey;
            state.focusKey = null;
            const el = root.querySelector(`[data-focus="${CSS.escape(k)}"], [data-focus-first="${CSS.escape(k)}"]`);
            if (el) /** @type {HTMLElement} */ (el).focus();
        }
    };

    // Adding a pitch.
    const f = {
        session: select('session_id', pitchSessions.map((/** @type {any} */ s) => /** @type {[string, string]} */ ([String(s.id), `${s.title} (${s.room || '—'})`])), undefined),
        project: input('project_id', 'number', '', { min: '1', step: '1', required: '' }),
        presenter: input('presenter_user_id', 'number', '', { min: '1', step: '1', required: '' }),
        minutes: input('minutes', 'number', 15, { min: '1', max: '1440', step: '1', required: '' }),
    };
    const addBtn = h('button', { type: 'submit' }, t('org.tt.add'));
    const addForm = h('form', { class: 'form panel', 'data-testid': 'pitch-form' },
        h('h2', {}, t('org.tt.add')),
        h('div', { class: 'field-row' }, field(t('org.tt.f.session'), f.session), field(t('org.tt.f.project'), f.project),
            field(t('org.tt.f.presenter'), f.presenter), field(t('org.tt.f.minutes'), f.minutes)),
        addBtn);
    addForm.addEventListener('submit', async (e) => {
        e.preventDefault();
        setDisabled(addBtn, true);
        try {
            await ctx.api.createPitch(Number(f.session.value), {
                project_id: Number(f.project.value), presenter_user_id: Number(f.presenter.value), minutes: Number(f.minutes.value),
            });
            await reload();
            toast(t('org.tt.added'), 'ok');
            draw();
        } catch (err) { toast(errorMessage(err), 'error'); }
        setDisabled(addBtn, false);
    });

    const onKey = (/** @type {KeyboardEvent} */ e) => { if (e.key === 'Escape' && state.selected) { unselect(); } };
    root.addEventListener('keydown', onKey);

    replace(root, ...head,
        h('div', { class: 'toolbar' }, field(t('org.tt.day'), daySel)),
        autoSlot, autoReport, status, gridSlot, poolSlot, addForm);
    draw();
    return () => root.removeEventListener('keydown', onKey);
}
