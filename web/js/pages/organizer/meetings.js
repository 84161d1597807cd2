// The 1:1 meeting plan: the event's slots (created here), the scheduler (one button, optionally
// starting over), and the plan as a grid of slots × tables.
import { h, fmtTime, fmtDate, fmtNumber, toast, errorMessage } from '../../ui.js';
import { t, addMessages } from '../../i18n.js';
import { heading, eventNav, loading, errorBox, replace, field, input, setDisabled, fromLocalInput, toLocalInput, allPages } from './common.js';

addMessages({
    zh: {
        'org.mt.title': '1对1 对接会：{title}',
        'org.mt.slots': '时段',
        'org.mt.noSlots': '还没有时段。',
        'org.mt.addSlots': '创建时段',
        'org.mt.f.starts': '第一个时段开始',
        'org.mt.f.minutes': '每个时段（分钟）',
        'org.mt.f.count': '时段个数',
        'org.mt.f.tables': '桌数',
        'org.mt.created': '已创建 {n} 个时段',
        'org.mt.run': '运行排程',
        'org.mt.reset': '重新开始（删除已排的会面）',
        'org.mt.result': '已排 {s} 场，未排 {u} 场，使用 {used} 个时段（下限 {lb}）',
        'org.mt.unscheduled': '未排：{orgs}（{reason}）',
        'org.mt.reason.no_slot': '时段不足',
        'org.mt.reason.blocked': '与路演冲突',
        'org.mt.reason.cancelled': '已取消',
        'org.mt.plan': '会面安排（行：时段，列：桌号）',
        'org.mt.noPlan': '还没有排定的会面。',
        'org.mt.slot': '时段',
        'org.mt.table': '{n} 号桌',
        'org.mt.meetingsIn': '{n} 场',
    },
    en: {
        'org.mt.title': '1:1 meetings: {title}',
        'org.mt.slots': 'Slots',
        'org.mt.noSlots': 'No slots yet.',
        'org.mt.addSlots': 'Create slots',
        'org.mt.f.starts': 'First slot starts',
        'org.mt.f.minutes': 'Minutes per slot',
        'org.mt.f.count': 'Number of slots',
        'org.mt.f.tables': 'Tables',
        'org.mt.created': '{n} slots created',
        'org.mt.run': 'Run the scheduler',
        'org.mt.reset': 'Start over (drop the scheduled meetings)',
        'org.mt.result': '{s} scheduled, {u} not, {used} slots used (lower bound {lb})',
        'org.mt.unscheduled': 'Not scheduled: {orgs} ({reason})',
        'org.mt.reason.no_slot': 'not enough slots',
        'org.mt.reason.blocked': 'clashes with a pitch',
        'org.mt.reason.cancelled': 'cancelled',
        'org.mt.plan': 'The plan (rows: slots, columns: tables)',
        'org.mt.noPlan': 'No meetings scheduled yet.',
        'org.mt.slot': 'Slot',
        'org.mt.table': 'Table {n}',
        'org.mt.meetingsIn': '{n} meetings',
    },
});

/** #/org/events/:id/meetings @param {HTMLElement} root @param {any} ctx */
export async function renderMeetings(root, ctx) {
    const id = Number(ctx.params.id);
    replace(root, loading());
    /** @type {any} */ let ev; /** @type {any} */ let slots; /** @type {any[]} */ let meetings;
    try {
        [ev, slots, meetings] = await Promise.all([
            ctx.api.event(id), ctx.api.meetingSlots(id),
            allPages((/** @type {string | undefined} */ cursor) => ctx.api.eventMeetings(id, { limit: 1000, cursor })),
        ]);
    } catch (e) { replace(root, errorBox(e)); return; }
    const tz = ev.time_zone;
    const report = h('div', { role: 'status', 'data-testid': 'meetings-report' });

    // Creating slots.
    const last = slots.items[slots.items.length - 1];
    const fStarts = input('starts_at', 'datetime-local', toLocalInput(last ? last.ends_at : ev.starts_at, tz), { required: '' });
    const fMinutes = input('minutes', 'number', last ? last.minutes : 20, { min: '5', max: '240', step: '1', required: '' });
    const fCount = input('count', 'number', 6, { min: '1', max: '200', step: '1', required: '' });
    const fTables = input('tables', 'number', last ? last.tables : 10, { min: '1', max: '500', step: '1', required: '' });
    if (last) fTables.readOnly = true;
    const addBtn = h('button', { type: 'submit' }, t('org.mt.addSlots'));
    const addForm = h('form', { class: 'form panel', 'data-testid': 'slots-form' },
        h('h3', {}, t('org.mt.addSlots')),
        h('p', { class: 'hint' }, t('org.tz.note', { tz })),
        h('div', { class: 'field-row' }, field(t('org.mt.f.starts'), fStarts), field(t('org.mt.f.minutes'), fMinutes),
            field(t('org.mt.f.count'), fCount), field(t('org.mt.f.tables'), fTables)),
        addBtn);
    addForm.addEventListener('submit', async (e) => {
        e.preventDefault();
        setDisabled(addBtn, true);
        try {
            const r = await ctx.api.createMeetingSlots(id, {
                starts_at: /** @type {string} */ (fromLocalInput(fStarts.value, tz)),
                minutes: Number(fMinutes.value), count: Number(fCount.value), tables: Number(fTables.value),
            });
            toast(t('org.mt.created', { n: r.slots.length }), 'ok');
            ctx.refresh();
        } catch (err) { toast(errorMessage(err), 'error'); setDisabled(addBtn, false); }
    });

    // The scheduler.
    const reset = input('reset', 'checkbox', null);
    const run = h('button', { type: 'button', class: 'primary', 'data-testid': 'run-meetings' }, t('org.mt.run'));
    run.addEventListener('click', async () => {
        setDisabled(run, true);
        try {
            const r = await ctx.api.scheduleMeetings(id, reset.checked);
            const names = new Map(meetings.flatMap((m) => (m.organizations || []).map((/** @type {any} */ o) => [o.id, o.name])));
            replace(report,
                h('p', {}, t('org.mt.result', { s: r.scheduled_count ?? 0, u: r.unscheduled_count ?? 0, used: r.slots_used ?? 0, lb: r.lower_bound ?? 0 })),
                (r.unscheduled || []).length ? h('ul', {}, (r.unscheduled || []).map((u) => h('li', {},
                    t('org.mt.unscheduled', { orgs: (u.organization_ids || []).map((o) => names.get(o) || `#${o}`).join(' × '), reason: t(`org.mt.reason.${u.reason}`) })))) : null);
            const again = await allPages((/** @type {string | undefined} */ cursor) => ctx.api.eventMeetings(id, { limit: 1000, cursor }));
            meetings = again;
            drawPlan();
        } catch (e) { toast(errorMessage(e), 'error'); }
        setDisabled(run, false);
    });

    const planSlot = h('div', {});
    const drawPlan = () => {
        if (meetings.length === 0 || slots.items.length === 0) { replace(planSlot, h('p', { class: 'muted' }, t('org.mt.noPlan'))); return; }
        const tables = Math.max(slots.items[0].tables, ...meetings.map((m) => m.table || 0));
        /** @type {Map<string, any>} */
        const at = new Map(meetings.map((m) => [`${m.slot?.id}:${m.table}`, m]));
        const used = slots.items.filter((/** @type {any} */ s) => meetings.some((m) => m.slot?.id === s.id));
        const cols = [...Array(tables).keys()].map((i) => i + 1).filter((n) => meetings.some((m) => m.table === n));
        replace(planSlot, h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('org.table.scroll') }, h('table', { class: 'plan-grid', 'data-testid': 'meeting-plan' },
            h('caption', {}, t('org.mt.plan')),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('org.mt.slot')), cols.map((n) => h('th', { scope: 'col' }, t('org.mt.table', { n }))))),
            h('tbody', {}, used.map((/** @type {any} */ s) => h('tr', {},
                h('th', { scope: 'row', class: 'tt-time' }, `${fmtTime(s.starts_at, tz)}–${fmtTime(s.ends_at, tz)}`),
                cols.map((n) => {
                    const m = at.get(`${s.id}:${n}`);
                    return h('td', { class: m ? 'plan-cell' : 'plan-cell empty', 'data-testid': m ? 'meeting' : null },
                        m ? (m.organizations || []).map((/** @type {any} */ o, /** @type {number} */ i) => [i ? h('span', { class: 'vs' }, ' × ') : null, h('span', {}, o.name)]) : '');
                })))))));
    };
    drawPlan();

    replace(root,
        eventNav(ev, 'meetings'),
        heading(t('org.mt.title', { title: ev.title })),
        h('h2', {}, t('org.mt.slots')),
        slots.items.length === 0 ? h('p', { class: 'muted' }, t('org.mt.noSlots')) : h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('org.table.scroll') }, h('table', { 'data-testid': 'meeting-slots' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, t('org.mt.slot')),
                h('th', { scope: 'col' }, t('org.mt.f.tables')), h('th', { scope: 'col' }, t('org.nav.meetings')))),
            h('tbody', {}, slots.items.map((/** @type {any} */ s) => h('tr', {},
                h('td', { class: 'num' }, String(s.index + 1)),
                h('th', { scope: 'row' }, `${fmtDate(s.starts_at, tz)} ${fmtTime(s.starts_at, tz)}–${fmtTime(s.ends_at, tz)}`),
                h('td', { class: 'num' }, fmtNumber(s.tables)),
                h('td', { class: 'num' }, fmtNumber(s.meetings))))))),
        ev.status === 'cancelled' ? null : addForm,
        h('h2', {}, t('org.mt.run')),
        h('div', { class: 'row' }, run, h('span', { class: 'check' }, reset, h('label', { for: reset.id = `reset-${id}` }, t('org.mt.reset')))),
        report,
        h('h2', {}, t('org.mt.plan')),
        planSlot);
}
