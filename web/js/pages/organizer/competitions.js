// Competitions: the event's competition sessions; one competition's criteria, entries and judges
// (added here), its leaderboard and the publishing of results; and a judge's scoring page.
import { h, fmtDateTime, fmtNumber, toast, errorMessage } from '../../ui.js';
import { t, addMessages } from '../../i18n.js';
import { heading, eventNav, loading, errorBox, replace, field, input, setDisabled } from './common.js';

addMessages({
    zh: {
        'org.comp.title': '大赛：{title}',
        'org.comp.listTitle': '大赛场次：{title}',
        'org.comp.none': '此活动没有大赛场次（类型为“大赛”的场次）。',
        'org.comp.manage': '管理',
        'org.comp.published': '结果已发布',
        'org.comp.unpublished': '结果未发布',
        'org.comp.criteria': '评分标准',
        'org.comp.c.name': '名称',
        'org.comp.c.weight': '权重',
        'org.comp.c.max': '满分',
        'org.comp.c.add': '添加标准',
        'org.comp.entries': '参赛项目',
        'org.comp.e.project': '项目 ID',
        'org.comp.e.title': '项目',
        'org.comp.e.org': '企业',
        'org.comp.e.add': '添加参赛项目',
        'org.comp.judges': '评委',
        'org.comp.j.user': '用户 ID',
        'org.comp.j.name': '评委',
        'org.comp.j.add': '添加评委',
        'org.comp.j.link': '评委打分页：{url}',
        'org.comp.board': '排行榜',
        'org.comp.b.rank': '名次',
        'org.comp.b.score': '标准化得分',
        'org.comp.b.raw': '加权均分',
        'org.comp.b.judges': '评委数',
        'org.comp.publish': '发布结果（发布后不可再打分）',
        'org.comp.publishConfirm': '确认发布结果',
        'org.comp.publishedNow': '结果已发布',
        'org.comp.added': '已添加',
        'org.comp.empty': '暂无',
        'org.judge.title0': '评委打分',
        'org.judge.title': '评委打分：{title}',
        'org.judge.intro': '为每个参赛项目的每项标准打分（0 到满分），然后保存。结果发布后不能再修改。',
        'org.judge.save': '保存评分',
        'org.judge.saved': '已保存：加权总分 {total}',
        'org.judge.earlier': '已评分：加权总分 {total}',
        'org.judge.scoreOf': '{criterion}（满分 {max}）',
        'org.judge.closed': '结果已发布，评分已锁定。',
    },
    en: {
        'org.comp.title': 'Competition: {title}',
        'org.comp.listTitle': 'Competitions: {title}',
        'org.comp.none': 'This event has no competition session (a session of kind "Competition").',
        'org.comp.manage': 'Manage',
        'org.comp.published': 'Results published',
        'org.comp.unpublished': 'Results not published',
        'org.comp.criteria': 'Criteria',
        'org.comp.c.name': 'Name',
        'org.comp.c.weight': 'Weight',
        'org.comp.c.max': 'Max score',
        'org.comp.c.add': 'Add a criterion',
        'org.comp.entries': 'Entries',
        'org.comp.e.project': 'Project ID',
        'org.comp.e.title': 'Project',
        'org.comp.e.org': 'Organization',
        'org.comp.e.add': 'Add an entry',
        'org.comp.judges': 'Judges',
        'org.comp.j.user': 'User ID',
        'org.comp.j.name': 'Judge',
        'org.comp.j.add': 'Add a judge',
        'org.comp.j.link': 'Judges score at {url}',
        'org.comp.board': 'Leaderboard',
        'org.comp.b.rank': 'Rank',
        'org.comp.b.score': 'Normalized score',
        'org.comp.b.raw': 'Weighted mean',
        'org.comp.b.judges': 'Judges',
        'org.comp.publish': 'Publish the results (scores are final afterwards)',
        'org.comp.publishConfirm': 'Confirm: publish the results',
        'org.comp.publishedNow': 'Results published',
        'org.comp.added': 'Added',
        'org.comp.empty': 'None yet',
        'org.judge.title0': 'Judging',
        'org.judge.title': 'Judging: {title}',
        'org.judge.intro': 'Score every criterion of each entry (0 to the maximum), then save. Scores are final once the results are published.',
        'org.judge.save': 'Save the scores',
        'org.judge.saved': 'Saved: weighted total {total}',
        'org.judge.earlier': 'Scored earlier: weighted total {total}',
        'org.judge.scoreOf': '{criterion} (max {max})',
        'org.judge.closed': 'The results are published: scores are locked.',
    },
});

const num = (/** @type {number} */ n, /** @type {number} */ d = 2) => fmtNumber(n, { maximumFractionDigits: d });

/** #/org/events/:id/competitions @param {HTMLElement} root @param {any} ctx */
export async function renderCompetitions(root, ctx) {
    const id = Number(ctx.params.id);
    replace(root, loading());
    /** @type {any} */ let ev;
    try { ev = await ctx.api.event(id); } catch (e) { replace(root, errorBox(e)); return; }
    const comps = ev.sessions.filter((/** @type {any} */ s) => s.kind === 'competition');
    const boards = await Promise.all(comps.map((/** @type {any} */ s) => ctx.api.leaderboard(s.id).catch(() => null)));
    replace(root, eventNav(ev, 'competitions'), heading(t('org.comp.listTitle', { title: ev.title })),
        comps.length === 0 ? h('p', {}, t('org.comp.none')) : h('ul', { class: 'list', 'data-testid': 'competitions' }, comps.map((/** @type {any} */ s, /** @type {number} */ i) => h('li', {},
            h('div', { class: 'row spread' },
                h('strong', {}, s.title),
                boards[i] ? h('span', { class: `badge badge-${boards[i].results_published ? 'ok' : 'info'}` }, t(boards[i].results_published ? 'org.comp.published' : 'org.comp.unpublished')) : null),
            h('p', { class: 'meta' }, `${fmtDateTime(s.starts_at, ev.time_zone)} · ${s.room || ''}`),
            h('a', { href: `#/org/sessions/${s.id}/competition`, 'aria-label': `${t('org.comp.manage')}: ${s.title}` }, t('org.comp.manage'))))));
}

/**
 * A small add form: labelled inputs and a submit button.
 * @param {string} label @param {HTMLInputElement[]} inputs @param {string[]} labels
 * @param {() => Promise<void>} submit @param {string} testid
 */
function addForm(label, inputs, labels, submit, testid) {
    const btn = h('button', { type: 'submit' }, label);
    const form = h('form', { class: 'form inline-form', 'data-testid': testid },
        h('div', { class: 'field-row' }, inputs.map((el, i) => field(labels[i], el))), btn);
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        setDisabled(btn, true);
        try { await submit(); toast(t('org.comp.added'), 'ok'); } catch (err) { toast(errorMessage(err), 'error'); }
        setDisabled(btn, false);
    });
    return form;
}

/** A table or "none yet". @param {string} testid @param {string[]} cols @param {Node[]} rows */
function table(testid, cols, rows) {
    if (rows.length === 0) return h('p', { class: 'muted' }, t('org.comp.empty'));
    return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('org.table.scroll') }, h('table', { 'data-testid': testid },
        h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, rows)));
}

/** #/org/sessions/:id/competition @param {HTMLElement} root @param {any} ctx */
export async function renderCompetition(root, ctx) {
    const id = Number(ctx.params.id);
    replace(root, loading());
    /** @type {any} */ let s; /** @type {any} */ let c; /** @type {any} */ let board;
    try {
        [s, c, board] = await Promise.all([ctx.api.session(id), ctx.api.competition(id), ctx.api.leaderboard(id)]);
    } catch (e) { replace(root, errorBox(e)); return; }
    const open = !c.results_published;
    const reload = () => ctx.refresh();

    const cName = input('name', 'text', '', { required: '', maxlength: '100' });
    const cWeight = input('weight', 'number', 1, { min: '0', max: '1000', step: 'any', required: '' });
    const cMax = input('max_score', 'number', 10, { min: '0', step: 'any', required: '' });
    const eProject = input('project_id', 'number', '', { min: '1', step: '1', required: '' });
    const jUser = input('user_id', 'number', '', { min: '1', step: '1', required: '' });
    const judgeUrl = `${location.origin}${location.pathname}#/judge/sessions/${id}`;

    const publish = h('button', { type: 'button', class: 'primary', 'data-testid': 'publish-results' }, t('org.comp.publish'));
    publish.addEventListener('click', () => {
        const confirmBtn = h('button', { type: 'button', class: 'danger', 'data-testid': 'publish-results-confirm' }, t('org.comp.publishConfirm'));
        confirmBtn.addEventListener('click', async () => {
            setDisabled(confirmBtn, true);
            try { await ctx.api.publishResults(id); toast(t('org.comp.publishedNow'), 'ok'); reload(); } catch (e) { toast(errorMessage(e), 'error'); setDisabled(confirmBtn, false); }
        });
        publish.replaceWith(confirmBtn);
        confirmBtn.focus();
    });

    replace(root,
        eventNav({ id: s.event.id, title: s.event.title }, 'competitions'),
        heading(t('org.comp.title', { title: s.title })),
        h('p', { class: 'meta' }, h('span', { class: `badge badge-${c.results_published ? 'ok' : 'info'}`, 'data-testid': 'results-state' },
            t(c.results_published ? 'org.comp.published' : 'org.comp.unpublished')), ` ${fmtDateTime(s.starts_at, s.event.time_zone)}`),

        h('h2', {}, t('org.comp.criteria')),
        table('criteria', [t('org.comp.c.name'), t('org.comp.c.weight'), t('org.comp.c.max')],
            c.criteria.map((/** @type {any} */ x) => h('tr', {}, h('th', { scope: 'row' }, x.name || ''), h('td', { class: 'num' }, num(x.weight)), h('td', { class: 'num' }, num(x.max_score))))),
        open ? addForm(t('org.comp.c.add'), [cName, cWeight, cMax], [t('org.comp.c.name'), t('org.comp.c.weight'), t('org.comp.c.max')],
            async () => { await ctx.api.createCriterion(id, { name: cName.value.trim(), weight: Number(cWeight.value), max_score: Number(cMax.value) }); reload(); }, 'criterion-form') : null,

        h('h2', {}, t('org.comp.entries')),
        table('entries', [t('org.comp.e.title'), t('org.comp.e.org')],
            c.entries.map((/** @type {any} */ x) => h('tr', {}, h('th', { scope: 'row' }, x.project_title || `#${x.project_id}`), h('td', {}, x.organization_name || '')))),
        open ? addForm(t('org.comp.e.add'), [eProject], [t('org.comp.e.project')],
            async () => { await ctx.api.createEntry(id, { project_id: Number(eProject.value) }); reload(); }, 'entry-form') : null,

        h('h2', {}, t('org.comp.judges')),
        table('judges', [t('org.comp.j.name'), t('org.comp.j.user')],
            c.judges.map((/** @type {any} */ x) => h('tr', {}, h('th', { scope: 'row' }, x.display_name || ''), h('td', { class: 'num' }, String(x.user_id))))),
        open ? addForm(t('org.comp.j.add'), [jUser], [t('org.comp.j.user')],
            async () => { await ctx.api.addJudge(id, { user_id: Number(jUser.value) }); reload(); }, 'judge-form') : null,
        h('p', { class: 'hint' }, t('org.comp.j.link', { url: '' }), h('a', { href: `#/judge/sessions/${id}` }, judgeUrl)),

        h('h2', {}, t('org.comp.board')),
        leaderboardTable(board),
        open ? h('p', {}, publish) : null);
}

/** The leaderboard as a table with a bar per entry's weighted mean. @param {any} board */
export function leaderboardTable(board) {
    const max = Math.max(100, ...board.items.map((/** @type {any} */ x) => x.raw_mean));
    return table('leaderboard', [t('org.comp.b.rank'), t('org.comp.e.title'), t('org.comp.e.org'), t('org.comp.b.score'), t('org.comp.b.raw'), t('org.comp.b.judges')],
        board.items.map((/** @type {any} */ x) => {
            const bar = h('span', { class: 'meter', 'aria-hidden': 'true' }, h('span', { class: 'meter-fill' }));
            /** @type {HTMLElement} */ (bar.firstChild).style.width = `${Math.max(0, Math.min(100, (100 * x.raw_mean) / max))}%`;
            return h('tr', { 'data-testid': 'leaderboard-row' },
                h('td', { class: 'num rank' }, String(x.rank)),
                h('th', { scope: 'row' }, x.project_title || `#${x.project_id}`),
                h('td', {}, x.organization_name || ''),
                h('td', { class: 'num' }, num(x.score, 3)),
                h('td', { class: 'num' }, num(x.raw_mean, 1), bar),
                h('td', { class: 'num' }, String(x.judge_count)));
        }));
}

/** #/judge/sessions/:id — a judge scores every entry. @param {HTMLElement} root @param {any} ctx */
export async function renderJudge(root, ctx) {
    const id = Number(ctx.params.id);
    replace(root, loading());
    /** @type {any} */ let s; /** @type {any} */ let c; /** @type {any} */ let mine;
    try {
        [s, c, mine] = await Promise.all([ctx.api.session(id), ctx.api.competition(id), ctx.api.myScores(id)]);
    } catch (e) { replace(root, heading(t('org.judge.title0')), errorBox(e)); return; }
    // The judge's own earlier scores (from the server, whichever device they were given on).
    /** @type {Map<number, any>} */
    const earlier = new Map(mine.items.map((/** @type {any} */ x) => [x.entry_id, x]));
    const forms = c.entries.map((/** @type {any} */ en) => {
        const prev = earlier.get(en.id);
        /** @type {Record<string, number>} */
        const saved = prev ? prev.scores : {};
        const inputs = c.criteria.map((/** @type {any} */ cr) => input(`c${cr.id}`, 'number', saved[cr.id] ?? '', { min: '0', max: String(cr.max_score), step: 'any', required: '' }));
        const out = h('p', { class: 'meta', role: 'status', 'data-testid': 'judge-total' },
            prev && prev.weighted_total != null ? t('org.judge.earlier', { total: num(prev.weighted_total, 1) }) : null);
        const btn = h('button', { type: 'submit', class: 'primary' }, t('org.judge.save'));
        if (c.results_published) setDisabled(btn, true);
        const form = h('form', { class: 'card form', 'data-testid': 'score-form', 'aria-label': en.project_title || `#${en.project_id}` },
            h('h2', {}, en.project_title || `#${en.project_id}`),
            h('p', { class: 'meta' }, en.organization_name || ''),
            h('div', { class: 'field-row' }, c.criteria.map((/** @type {any} */ cr, /** @type {number} */ i) => field(t('org.judge.scoreOf', { criterion: cr.name || '', max: num(cr.max_score) }), inputs[i]))),
            btn, out);
        form.addEventListener('submit', async (e) => {
            e.preventDefault();
            /** @type {Record<string, number>} */
            const scores = {};
            c.criteria.forEach((/** @type {any} */ cr, /** @type {number} */ i) => { scores[String(cr.id)] = Number(inputs[i].value); });
            setDisabled(btn, true);
            try {
                const r = await ctx.api.putScores(en.id, { scores });
                out.textContent = t('org.judge.saved', { total: num(r.weighted_total, 1) });
            } catch (err) {
                out.textContent = errorMessage(err);
                const f = /** @type {any} */ (err).field;
                const m = f && /^scores\.(\d+)$/.exec(f);
                const bad = m && inputs[c.criteria.findIndex((/** @type {any} */ cr) => String(cr.id) === m[1])];
                if (bad) { bad.setAttribute('aria-invalid', 'true'); bad.focus(); }
            }
            setDisabled(btn, false);
        });
        return form;
    });
    replace(root, heading(t('org.judge.title', { title: s.title })),
        h('p', {}, c.results_published ? t('org.judge.closed') : t('org.judge.intro')),
        forms.length ? forms : h('p', { class: 'muted' }, t('org.comp.empty')));
}
