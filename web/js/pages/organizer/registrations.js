// A session's attendee list (GET /sessions/{id}/registrations), filtered by status, paged, with
// the CSV download fetched with the token and saved through a blob URL.
import { h, fmtDateTime, fmtNumber, toast, errorMessage } from '../../ui.js';
import { t, addMessages } from '../../i18n.js';
import { heading, eventNav, loading, errorBox, replace, select, field, setDisabled } from './common.js';

addMessages({
    zh: {
        'org.regs.title': '报名名单：{title}',
        'org.regs.csv': '下载 CSV',
        'org.regs.csvDone': 'CSV 已下载',
        'org.regs.filter': '状态',
        'org.regs.all': '全部',
        'org.regs.st.confirmed': '已确认',
        'org.regs.st.waitlisted': '候补',
        'org.regs.st.cancelled': '已取消',
        'org.regs.col.name': '姓名',
        'org.regs.col.email': '邮箱',
        'org.regs.col.status': '状态',
        'org.regs.col.code': '签到码',
        'org.regs.col.checkedIn': '签到时间',
        'org.regs.col.created': '报名时间',
        'org.regs.pos': '候补第 {n} 位',
        'org.regs.empty': '没有符合条件的报名。',
        'org.regs.more': '加载更多',
        'org.regs.summary': '确认 {c} / 容量 {cap}，候补 {w}',
    },
    en: {
        'org.regs.title': 'Attendees: {title}',
        'org.regs.csv': 'Download CSV',
        'org.regs.csvDone': 'CSV downloaded',
        'org.regs.filter': 'Status',
        'org.regs.all': 'All',
        'org.regs.st.confirmed': 'Confirmed',
        'org.regs.st.waitlisted': 'Waitlisted',
        'org.regs.st.cancelled': 'Cancelled',
        'org.regs.col.name': 'Name',
        'org.regs.col.email': 'Email',
        'org.regs.col.status': 'Status',
        'org.regs.col.code': 'Check-in code',
        'org.regs.col.checkedIn': 'Checked in',
        'org.regs.col.created': 'Registered',
        'org.regs.pos': 'waitlist #{n}',
        'org.regs.empty': 'No registrations match.',
        'org.regs.more': 'Load more',
        'org.regs.summary': '{c} confirmed of {cap}, {w} waitlisted',
    },
});

/** Saves a blob as a file through a temporary blob URL. @param {Blob} blob @param {string} name */
export function saveBlob(blob, name) {
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: name, hidden: '' });
    document.body.append(a);
    /** @type {HTMLAnchorElement} */ (a).click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** #/org/sessions/:id/registrations @param {HTMLElement} root @param {any} ctx */
export async function renderRegistrations(root, ctx) {
    const id = Number(ctx.params.id);
    replace(root, loading());
    /** @type {any} */
    let s;
    try { s = await ctx.api.session(id); } catch (e) { replace(root, errorBox(e)); return; }
    const tz = s.event.time_zone;
    const status = select('status', [['', t('org.regs.all')],
        ...['confirmed', 'waitlisted', 'cancelled'].map((k) => /** @type {[string, string]} */ ([k, t(`org.regs.st.${k}`)]))],
    ctx.query.get('status') || '');
    const tbody = h('tbody', {});
    const list = h('div', {});
    const more = h('button', { type: 'button', class: 'secondary', hidden: '' }, t('org.regs.more'));
    /** @type {string | undefined} */
    let cursor;
    const row = (/** @type {any} */ r) => h('tr', { 'data-testid': 'registration-row' },
        h('th', { scope: 'row' }, r.user.display_name),
        h('td', {}, r.user.email),
        h('td', {}, h('span', { class: `badge badge-${r.status}` }, t(`org.regs.st.${r.status}`)),
            r.waitlist_position ? ` (${t('org.regs.pos', { n: r.waitlist_position })})` : ''),
        h('td', { class: 'mono' }, r.checkin_code || '—'),
        h('td', {}, r.checked_in_at ? fmtDateTime(r.checked_in_at, tz) : '—'),
        h('td', {}, fmtDateTime(r.created_at, tz)));
    const load = async () => {
        const page = await ctx.api.sessionRegistrations(id, {
            limit: 100, cursor, status: /** @type {any} */ (status.value || undefined),
        });
        tbody.append(...page.items.map(row));
        cursor = page.next_cursor || undefined;
        more.hidden = !cursor;
        return page.items.length;
    };
    const reload = async () => {
        tbody.replaceChildren();
        cursor = undefined;
        replace(list, loading());
        try {
            const n = await load();
            replace(list, n === 0 ? h('p', {}, t('org.regs.empty')) : h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('org.table.scroll') }, h('table', { 'data-testid': 'registrations' },
                h('thead', {}, h('tr', {}, ['name', 'email', 'status', 'code', 'checkedIn', 'created']
                    .map((c) => h('th', { scope: 'col' }, t(`org.regs.col.${c}`))))),
                tbody)));
        } catch (e) { replace(list, errorBox(e)); }
    };
    more.addEventListener('click', async () => {
        setDisabled(more, true);
        try { await load(); } catch (e) { toast(errorMessage(e), 'error'); }
        setDisabled(more, false);
    });
    status.addEventListener('change', reload);
    const csv = h('button', { type: 'button', 'data-testid': 'download-csv' }, t('org.regs.csv'));
    csv.addEventListener('click', async () => {
        setDisabled(csv, true);
        try {
            saveBlob(await ctx.api.sessionRegistrationsCsv(id), `session-${id}-registrations.csv`);
            toast(t('org.regs.csvDone'), 'ok');
        } catch (e) { toast(errorMessage(e), 'error'); }
        setDisabled(csv, false);
    });
    replace(root,
        eventNav({ id: s.event.id, title: s.event.title }, ''),
        heading(t('org.regs.title', { title: s.title })),
        h('p', { class: 'meta' }, `${fmtDateTime(s.starts_at, tz)} – ${fmtDateTime(s.ends_at, tz)}${s.room ? ` · ${s.room}` : ''} · `,
            t('org.regs.summary', { c: fmtNumber(s.confirmed_count), cap: fmtNumber(s.capacity), w: fmtNumber(s.waitlist_count) })),
        h('div', { class: 'toolbar' }, field(t('org.regs.filter'), status), csv),
        list, more);
    await reload();
}
