// The enterprise's pages: my organizations, my supply and demand projects (create, edit, close),
// recommendations per project with each factor's contribution drawn, interested / not
// interested, mutual matches with the counterpart's contacts, my 1:1 meetings.
// @ts-check
import { t, addMessages, termName, getLang } from '../i18n.js';
import { h, append, svg, heading, field, fmtDateTime, fmtNumber, errorBox, errorMessage, toast, badge, replace } from '../ui.js';

addMessages({
    zh: {
        'ent.orgs.title': '我的机构',
        'ent.orgs.empty': '您还不属于任何机构。先创建一个：',
        'ent.orgs.create': '创建机构',
        'ent.orgs.name': '机构名称',
        'ent.orgs.tier': '企业类型',
        'ent.orgs.sector': '行业',
        'ent.orgs.zone': '园区',
        'ent.orgs.created': '已创建机构：{name}',
        'ent.orgs.role.owner': '负责人',
        'ent.orgs.role.member': '成员',
        'ent.orgs.projects': '项目',
        'ent.projects.title': '我的项目',
        'ent.projects.new': '新建项目',
        'ent.projects.needOrg': '请先创建或加入一个机构。',
        'ent.projects.empty': '还没有项目。',
        'ent.project.title': '项目',
        'ent.project.edit': '编辑项目',
        'ent.project.close': '关闭项目',
        'ent.project.closed': '已关闭项目',
        'ent.project.saved': '已保存',
        'ent.project.created': '已创建项目：{title}',
        'ent.field.org': '所属机构',
        'ent.field.side': '类型',
        'ent.side.supply': '供给（提供技术/产品）',
        'ent.side.demand': '需求（寻找技术/产品）',
        'ent.side.supply.short': '供给',
        'ent.side.demand.short': '需求',
        'ent.field.title': '标题',
        'ent.field.description': '描述',
        'ent.field.sector': '行业',
        'ent.field.zone': '园区',
        'ent.field.zone.none': '（不限）',
        'ent.field.stage': '阶段',
        'ent.field.tags': '标签',
        'ent.field.tags.hint': '用逗号分隔，例如：大模型, 智能制造',
        'ent.field.budgetMin': '预算下限（元）',
        'ent.field.budgetMax': '预算上限（元）',
        'ent.status.open': '开放',
        'ent.status.closed': '已关闭',
        'ent.budget': '预算 {min} – {max} 元',
        'ent.recs.title': '推荐对接',
        'ent.recs.empty': '暂无推荐。',
        'ent.recs.score': '匹配度 {score} / {max}',
        'ent.recs.chart': '各因素对匹配度的贡献',
        'ent.recs.sr.factor': '{name} {value}（权重 {weight}）',
        'ent.recs.sr.total': '{name} {value} / {max}',
        'ent.recs.interested': '感兴趣',
        'ent.recs.notInterested': '不感兴趣',
        'ent.recs.interestedIn': '对“{title}”感兴趣',
        'ent.recs.notInterestedIn': '对“{title}”不感兴趣',
        'ent.recs.marked': '已记录：{decision}',
        'ent.recs.mutual': '双向匹配成功！',
        'ent.factor.shared_tags': '共同标签',
        'ent.factor.similar_text': '描述相似',
        'ent.factor.same_sector': '同一行业',
        'ent.factor.same_zone': '同一园区',
        'ent.factor.budget_overlap': '预算重叠',
        'ent.factor.stage_fit': '阶段契合',
        'ent.factor.total': '总分',
        'ent.matches.title': '对接',
        'ent.matches.mutual': '双向匹配',
        'ent.matches.mutual.empty': '还没有双向匹配。',
        'ent.matches.sent': '我表达的意向',
        'ent.matches.received': '收到的意向',
        'ent.matches.none': '暂无',
        'ent.matches.contacts': '联系方式',
        'ent.matches.yours': '我方项目',
        'ent.matches.theirs': '对方项目',
        'ent.decision.interested': '感兴趣',
        'ent.decision.not_interested': '不感兴趣',
        'ent.meetings.title': '我的会谈',
        'ent.meetings.empty': '还没有安排会谈。',
        'ent.meetings.table': '{n} 号桌',
        'ent.meetings.slot': '第 {n} 轮',
        'ent.meetings.with': '对方：{name}',
    },
    en: {
        'ent.orgs.title': 'My organizations',
        'ent.orgs.empty': 'You belong to no organization yet. Create one:',
        'ent.orgs.create': 'Create organization',
        'ent.orgs.name': 'Organization name',
        'ent.orgs.tier': 'Tier',
        'ent.orgs.sector': 'Sector',
        'ent.orgs.zone': 'Zone',
        'ent.orgs.created': 'Organization created: {name}',
        'ent.orgs.role.owner': 'Owner',
        'ent.orgs.role.member': 'Member',
        'ent.orgs.projects': 'Projects',
        'ent.projects.title': 'My projects',
        'ent.projects.new': 'New project',
        'ent.projects.needOrg': 'Create or join an organization first.',
        'ent.projects.empty': 'No projects yet.',
        'ent.project.title': 'Project',
        'ent.project.edit': 'Edit project',
        'ent.project.close': 'Close project',
        'ent.project.closed': 'Project closed',
        'ent.project.saved': 'Saved',
        'ent.project.created': 'Project created: {title}',
        'ent.field.org': 'Organization',
        'ent.field.side': 'Side',
        'ent.side.supply': 'Supply (offering technology/products)',
        'ent.side.demand': 'Demand (looking for technology/products)',
        'ent.side.supply.short': 'Supply',
        'ent.side.demand.short': 'Demand',
        'ent.field.title': 'Title',
        'ent.field.description': 'Description',
        'ent.field.sector': 'Sector',
        'ent.field.zone': 'Zone',
        'ent.field.zone.none': '(any)',
        'ent.field.stage': 'Stage',
        'ent.field.tags': 'Tags',
        'ent.field.tags.hint': 'Comma separated, e.g. LLM, smart manufacturing',
        'ent.field.budgetMin': 'Budget from (CNY)',
        'ent.field.budgetMax': 'Budget to (CNY)',
        'ent.status.open': 'Open',
        'ent.status.closed': 'Closed',
        'ent.budget': 'Budget {min} – {max} CNY',
        'ent.recs.title': 'Recommendations',
        'ent.recs.empty': 'No recommendations yet.',
        'ent.recs.score': 'Score {score} / {max}',
        'ent.recs.chart': 'What each factor contributes to the score',
        'ent.recs.sr.factor': '{name} {value} (weight {weight})',
        'ent.recs.sr.total': '{name} {value} of {max}',
        'ent.recs.interested': 'Interested',
        'ent.recs.notInterested': 'Not interested',
        'ent.recs.interestedIn': 'Interested in "{title}"',
        'ent.recs.notInterestedIn': 'Not interested in "{title}"',
        'ent.recs.marked': 'Recorded: {decision}',
        'ent.recs.mutual': 'It\'s a mutual match!',
        'ent.factor.shared_tags': 'Shared tags',
        'ent.factor.similar_text': 'Similar description',
        'ent.factor.same_sector': 'Same sector',
        'ent.factor.same_zone': 'Same zone',
        'ent.factor.budget_overlap': 'Budgets overlap',
        'ent.factor.stage_fit': 'Stage fit',
        'ent.factor.total': 'Total',
        'ent.matches.title': 'Matches',
        'ent.matches.mutual': 'Mutual matches',
        'ent.matches.mutual.empty': 'No mutual matches yet.',
        'ent.matches.sent': 'Interest I expressed',
        'ent.matches.received': 'Interest I received',
        'ent.matches.none': 'None',
        'ent.matches.contacts': 'Contacts',
        'ent.matches.yours': 'Your project',
        'ent.matches.theirs': 'Their project',
        'ent.decision.interested': 'interested',
        'ent.decision.not_interested': 'not interested',
        'ent.meetings.title': 'My meetings',
        'ent.meetings.empty': 'No meetings scheduled yet.',
        'ent.meetings.table': 'Table {n}',
        'ent.meetings.slot': 'Round {n}',
        'ent.meetings.with': 'With {name}',
    },
});

/** @type {Promise<any> | null} */
let vocabCache = null;
/** @param {any} api */
function vocab(api) { if (!vocabCache) vocabCache = api.vocabularies().catch((/** @type {unknown} */ e) => { vocabCache = null; throw e; }); return vocabCache; }
/** @param {any[]} terms @param {string | undefined} code */
function nameOf(terms, code) { return termName(terms.find((x) => x.code === code), code || ''); }
/** @param {any[]} terms @param {string | undefined} selected @param {string} [empty] */
function options(terms, selected, empty) {
    return [empty !== undefined ? h('option', { value: '' }, empty) : null,
        ...terms.map((x) => h('option', { value: x.code, selected: x.code === selected }, termName(x)))];
}
/** @param {HTMLElement} el */
const val = (el) => /** @type {HTMLInputElement} */ (el).value;

// ---- organizations
/** @param {HTMLElement} root @param {any} ctx */
async function renderOrgs(root, ctx) {
    append(root, heading(t('ent.orgs.title')));
    const v = await vocab(ctx.api);
    const orgs = ctx.user.organizations || [];
    if (orgs.length) {
        append(root, h('ul', { class: 'list', 'data-testid': 'orgs' }, orgs.map((/** @type {any} */ o) => h('li', { 'data-testid': 'org-row' },
            h('div', { class: 'row spread' }, h('strong', null, o.name), badge(t(`ent.orgs.role.${o.member_role}`), 'info')),
            h('p', { class: 'meta' }, nameOf(v.tiers, o.tier)),
            h('a', { href: `#/projects?org=${o.id}` }, t('ent.orgs.projects'))))));
    } else append(root, h('p', null, t('ent.orgs.empty')));
    const name = h('input', { type: 'text', required: true, maxlength: '200', 'data-testid': 'org-name' });
    const tier = h('select', { 'data-testid': 'org-tier' }, options(v.tiers, 'innovative'));
    const sector = h('select', { 'data-testid': 'org-sector' }, options(v.sectors, undefined));
    const zone = h('select', { 'data-testid': 'org-zone' }, options(v.zones, undefined, t('ent.field.zone.none')));
    const status = h('div', { 'aria-live': 'assertive' });
    append(root, h('h2', null, t('ent.orgs.create')), h('form', { class: 'card', 'data-testid': 'org-form', novalidate: true, onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        replace(status);
        try {
            const o = await ctx.api.createOrganization({ name: val(name).trim(), tier: val(tier), sector: val(sector), zone: val(zone) || undefined });
            toast(t('ent.orgs.created', { name: o.name }), 'ok');
            await ctx.reloadUser();
            ctx.refresh();
        } catch (err) { replace(status, errorBox(err)); }
    } }, h('div', { class: 'grid2' }, field(t('ent.orgs.name'), name), field(t('ent.orgs.tier'), tier), field(t('ent.orgs.sector'), sector), field(t('ent.orgs.zone'), zone)),
    status, h('button', { type: 'submit', class: 'primary', 'data-testid': 'org-submit' }, t('ent.orgs.create'))));
}

// ---- projects
/** @param {any} p */
function budgetText(p) {
    if (p.budget_min == null && p.budget_max == null) return '';
    return t('ent.budget', { min: fmtNumber(p.budget_min ?? 0), max: p.budget_max != null ? fmtNumber(p.budget_max) : '∞' });
}

/** @param {HTMLElement} root @param {any} ctx */
async function renderProjects(root, ctx) {
    append(root, heading(t('ent.projects.title')));
    const orgs = (ctx.user.organizations || []).filter((/** @type {any} */ o) => !ctx.query.get('org') || String(o.id) === ctx.query.get('org'));
    if (!orgs.length) { append(root, h('p', null, t('ent.projects.needOrg'), ' ', h('a', { href: '#/orgs' }, t('ent.orgs.create')))); return; }
    append(root, h('p', null, h('a', { class: 'button primary', href: '#/projects/new', 'data-testid': 'project-new' }, t('ent.projects.new'))));
    const v = await vocab(ctx.api);
    for (const o of orgs) {
        const [open, closed] = await Promise.all([
            ctx.api.projects({ organization_id: o.id, status: 'open', limit: 100 }),
            ctx.api.projects({ organization_id: o.id, status: 'closed', limit: 100 })]);
        const items = [...(open.items || []), ...(closed.items || [])];
        append(root, h('h2', null, o.name));
        if (!items.length) { append(root, h('p', { class: 'muted' }, t('ent.projects.empty'))); continue; }
        append(root, h('ul', { class: 'list cols' }, items.map((p) => h('li', { 'data-testid': 'project-row' },
            h('div', { class: 'row spread' }, h('a', { href: `#/projects/${p.id}`, 'data-testid': 'project-link' }, p.title),
                badge(t(`ent.side.${p.side}.short`), p.side === 'supply' ? 'info' : 'warn')),
            h('p', { class: 'meta' }, nameOf(v.sectors, p.sector), p.zone ? ` · ${nameOf(v.zones, p.zone)}` : '', ' · ', nameOf(v.stages, p.stage), ' · ',
                t(`ent.status.${p.status}`)),
            h('p', { class: 'meta' }, budgetText(p))))));
    }
}

/** @param {HTMLElement} root @param {any} ctx @param {any} [p] the project to edit */
async function projectForm(root, ctx, p) {
    const v = await vocab(ctx.api);
    const orgs = ctx.user.organizations || [];
    const org = h('select', { 'data-testid': 'project-org', disabled: !!p }, orgs.map((/** @type {any} */ o) => h('option', { value: String(o.id), selected: p && p.organization_id === o.id }, o.name)));
    const side = h('select', { 'data-testid': 'project-side', disabled: !!p },
        h('option', { value: 'demand', selected: p && p.side === 'demand' }, t('ent.side.demand')),
        h('option', { value: 'supply', selected: p && p.side === 'supply' }, t('ent.side.supply')));
    const title = h('input', { type: 'text', required: true, maxlength: '200', value: p ? p.title : '', 'data-testid': 'project-title' });
    const desc = h('textarea', { maxlength: '4000', 'data-testid': 'project-description' }, p ? p.description || '' : '');
    const sector = h('select', { 'data-testid': 'project-sector' }, options(v.sectors, p && p.sector));
    const zone = h('select', { 'data-testid': 'project-zone' }, options(v.zones, p && p.zone, t('ent.field.zone.none')));
    const stage = h('select', { 'data-testid': 'project-stage' }, options(v.stages, p ? p.stage : 'pilot'));
    const tags = h('input', { type: 'text', value: p ? (p.tags || []).join(', ') : '', 'data-testid': 'project-tags' });
    const bmin = h('input', { type: 'number', min: '0', step: '1', inputmode: 'numeric', value: p && p.budget_min != null ? String(p.budget_min) : '', 'data-testid': 'project-budget-min' });
    const bmax = h('input', { type: 'number', min: '0', step: '1', inputmode: 'numeric', value: p && p.budget_max != null ? String(p.budget_max) : '', 'data-testid': 'project-budget-max' });
    const status = h('div', { 'aria-live': 'assertive' });
    const num = (/** @type {HTMLElement} */ el) => (val(el) === '' ? undefined : Number(val(el)));
    append(root, h('form', { class: 'card', 'data-testid': 'project-form', novalidate: true, onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        replace(status);
        const body = {
            title: val(title).trim(), description: val(desc), sector: val(sector), zone: val(zone),
            stage: val(stage), tags: val(tags).split(/[,，、]/).map((s) => s.trim()).filter(Boolean),
            budget_min: num(bmin), budget_max: num(bmax),
        };
        try {
            if (p) {
                await ctx.api.updateProject(p.id, body);
                toast(t('ent.project.saved'), 'ok');
                ctx.navigate(`#/projects/${p.id}`);
            } else {
                const side_ = /** @type {'supply' | 'demand'} */ (val(side));
                const made = await ctx.api.createProject({ ...body, zone: body.zone || undefined, organization_id: Number(val(org)), side: side_ });
                toast(t('ent.project.created', { title: made.title || '' }), 'ok');
                ctx.navigate(`#/projects/${made.id}`);
            }
        } catch (err) { replace(status, errorBox(err)); }
    } },
    h('div', { class: 'grid2' }, field(t('ent.field.org'), org), field(t('ent.field.side'), side)),
    field(t('ent.field.title'), title), field(t('ent.field.description'), desc),
    h('div', { class: 'grid2' }, field(t('ent.field.sector'), sector), field(t('ent.field.zone'), zone), field(t('ent.field.stage'), stage),
        field(t('ent.field.tags'), tags, t('ent.field.tags.hint')), field(t('ent.field.budgetMin'), bmin), field(t('ent.field.budgetMax'), bmax)),
    status, h('button', { type: 'submit', class: 'primary', 'data-testid': 'project-submit' }, t('common.save'))));
}

/** @param {HTMLElement} root @param {any} ctx */
async function renderNewProject(root, ctx) {
    append(root, heading(t('ent.projects.new')));
    if (!(ctx.user.organizations || []).length) { append(root, h('p', null, t('ent.projects.needOrg'), ' ', h('a', { href: '#/orgs' }, t('ent.orgs.create')))); return; }
    await projectForm(root, ctx);
}

/** @param {HTMLElement} root @param {any} ctx */
async function renderEditProject(root, ctx) {
    const p = await ctx.api.project(Number(ctx.params.id));
    append(root, heading(t('ent.project.edit')), h('p', null, h('a', { href: `#/projects/${p.id}` }, `← ${p.title}`)));
    await projectForm(root, ctx, p);
}

/** @typedef {import('../api-types').components['schemas']['Factor']} Factor */
/** @typedef {import('../api-types').components['schemas']['Reason']} Reason */

/**
 * The factor bars of one recommendation, as SVG: one bar per factor, its width the factor's
 * exact contribution (from the API) on the scale of score_max, over a track as long as the
 * factor's weight (the most it could give); then the total, whose bar is the sum of the others.
 * Screen readers get every number in the image's label.
 * @param {{score: number, factors: Factor[], reasons: Reason[]}} item @param {number} scoreMax
 */
function factorChart(item, scoreMax) {
    const max = scoreMax > 0 ? scoreMax : 1;
    /** @type {Map<string, string>} */
    const why = new Map((item.reasons || []).map((r) => [r.code, r.text]));
    /** @type {{code: string, value: number, weight: number, text: string}[]} */
    const rows = (item.factors || []).map((f) => ({ code: f.code, value: f.contribution, weight: f.weight, text: why.get(f.code) || '' }));
    rows.push({ code: 'total', value: item.score, weight: max, text: '' });
    const rowH = 26, labelW = 110, barW = 220, W = labelW + barW + 60;
    const H = rows.length * rowH + 4;
    /** @param {number} v */
    const num = (v) => fmtNumber(v, { minimumFractionDigits: 2, maximumFractionDigits: 3 });
    /** @param {number} v */
    const width = (v) => (Math.max(0, Math.min(1, v / max)) * barW).toFixed(2);
    const desc = rows.map((r) => r.code === 'total'
        ? t('ent.recs.sr.total', { name: t('ent.factor.total'), value: num(r.value), max: num(max) })
        : t('ent.recs.sr.factor', { name: t(`ent.factor.${r.code}`), value: num(r.value), weight: num(r.weight) })).join('; ');
    return svg('svg', { class: 'bars', viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img', 'aria-label': `${t('ent.recs.chart')}: ${desc}`, 'data-testid': 'rec-chart', 'data-bar-width': String(barW), preserveAspectRatio: 'xMinYMin meet' },
        rows.map((r, i) => {
            const y = i * rowH + 2, total = r.code === 'total';
            return svg('g', { 'data-factor': r.code, 'data-testid': 'rec-bar', 'data-contribution': String(r.value) },
                svg('title', null, `${t(`ent.factor.${r.code}`)}: ${num(r.value)}${total ? '' : ` / ${num(r.weight)}`}${r.text ? ` — ${r.text}` : ''}`),
                svg('text', { x: '0', y: String(y + 17), 'font-weight': total ? '700' : null }, t(`ent.factor.${r.code}`)),
                svg('rect', { class: 'track', x: String(labelW), y: String(y + 4), width: width(r.weight), height: String(rowH - 10), rx: '3' }),
                svg('rect', { class: 'bar', x: String(labelW), y: String(y + 4), width: width(r.value), height: String(rowH - 10), rx: '3', opacity: total ? '1' : '0.8' }),
                svg('text', { x: String(labelW + barW + 6), y: String(y + 17) }, num(r.value)));
        }));
}

/** @param {HTMLElement} root @param {any} ctx */
async function renderProject(root, ctx) {
    const id = Number(ctx.params.id);
    const [p, v] = await Promise.all([ctx.api.project(id), vocab(ctx.api)]);
    append(root, heading(p.title, { 'data-testid': 'project-heading' }),
        h('p', { class: 'row' }, badge(t(`ent.side.${p.side}.short`), p.side === 'supply' ? 'info' : 'warn'), badge(t(`ent.status.${p.status}`), p.status === 'open' ? 'ok' : 'bad', 'project-status')),
        h('p', { class: 'meta' }, p.organization ? p.organization.name : '', ' · ', nameOf(v.sectors, p.sector), p.zone ? ` · ${nameOf(v.zones, p.zone)}` : '', ' · ', nameOf(v.stages, p.stage)),
        h('p', { class: 'meta' }, budgetText(p)),
        p.description ? h('p', null, p.description) : null,
        (p.tags || []).length ? h('ul', { class: 'tags', 'aria-label': t('ent.field.tags') }, p.tags.map((/** @type {string} */ x) => h('li', null, x))) : null);
    if (p.status === 'open') {
        append(root, h('div', { class: 'row' },
            h('a', { class: 'button', href: `#/projects/${id}/edit`, 'data-testid': 'project-edit' }, t('ent.project.edit')),
            h('button', { type: 'button', class: 'danger', 'data-testid': 'project-close', onclick: async () => {
                if (!confirm(`${t('ent.project.close')}?`)) return;
                try { await ctx.api.closeProject(id); toast(t('ent.project.closed'), 'ok'); ctx.refresh(); } catch (e) { toast(errorMessage(e), 'error'); }
            } }, t('ent.project.close'))));
    }
    if (p.status !== 'open') return;
    append(root, h('h2', null, t('ent.recs.title')));
    const recs = await ctx.api.recommendationsIn(id);
    if (!recs.items.length) { append(root, h('p', null, t('ent.recs.empty'))); return; }
    append(root, h('p', { class: 'meta' }, t('ent.recs.chart')));
    append(root, h('ol', { class: 'list', 'data-testid': 'recommendations' }, recs.items.map((/** @type {any} */ it) => {
        const c = it.project;
        const st = h('span', { 'aria-live': 'polite', 'data-testid': 'rec-decision' });
        /** @param {'interested' | 'not_interested'} d */
        const mark = async (d) => {
            try {
                const r = await ctx.api.express(id, { target_project_id: c.id, decision: d });
                replace(st, badge(t('ent.recs.marked', { decision: t(`ent.decision.${d}`) }), d === 'interested' ? 'ok' : 'info'));
                if (r && /** @type {any} */ (r).mutual) { replace(st, badge(t('ent.recs.mutual'), 'ok', 'rec-mutual')); toast(t('ent.recs.mutual'), 'ok'); }
            } catch (e) { toast(errorMessage(e), 'error'); }
        };
        return h('li', { 'data-testid': 'rec-row', 'data-project-id': String(c.id) },
            h('div', { class: 'row spread' }, h('strong', { 'data-testid': 'rec-title' }, c.title),
                h('span', { class: 'score', 'data-testid': 'rec-score' }, t('ent.recs.score', { score: fmtNumber(it.score, { maximumFractionDigits: 2 }), max: fmtNumber(recs.score_max) }))),
            h('p', { class: 'meta' }, c.organization ? c.organization.name : '', ' · ', nameOf(v.sectors, c.sector), ' · ', budgetText(c)),
            factorChart(it, recs.score_max),
            h('ul', { class: 'meta' }, it.reasons.map((/** @type {any} */ r) => h('li', { 'data-testid': 'rec-reason', 'data-code': r.code }, r.text))),
            h('div', { class: 'row' },
                h('button', { type: 'button', class: 'primary', 'data-testid': 'rec-interested', 'aria-label': t('ent.recs.interestedIn', { title: c.title }), onclick: () => mark('interested') }, t('ent.recs.interested')),
                h('button', { type: 'button', 'data-testid': 'rec-not-interested', 'aria-label': t('ent.recs.notInterestedIn', { title: c.title }), onclick: () => mark('not_interested') }, t('ent.recs.notInterested')),
                st));
    })));
}

// ---- matches and meetings
/** @param {any} m a Member */
function contactList(m) {
    const c = m.contact || {};
    return h('li', { 'data-testid': 'contact' }, h('strong', null, m.display_name), ' ',
        c.email ? h('a', { href: `mailto:${c.email}` }, c.email) : null, c.phone ? ` · ${c.phone}` : '', c.wechat ? ` · WeChat ${c.wechat}` : '');
}

/** @param {HTMLElement} root @param {any} ctx */
async function renderMatches(root, ctx) {
    append(root, heading(t('ent.matches.title')));
    const m = await ctx.api.matches();
    append(root, h('h2', null, t('ent.matches.mutual')));
    if (!m.mutual.length) append(root, h('p', { 'data-testid': 'no-mutual' }, t('ent.matches.mutual.empty')));
    else {
        append(root, h('ul', { class: 'list', 'data-testid': 'mutual' }, m.mutual.map((/** @type {any} */ x) => h('li', { 'data-testid': 'mutual-row' },
            h('div', { class: 'row spread' }, h('strong', { 'data-testid': 'mutual-counterpart' }, x.counterpart ? x.counterpart.title : ''), x.score != null ? h('span', { class: 'score' }, fmtNumber(x.score, { maximumFractionDigits: 2 })) : null),
            h('p', { class: 'meta' }, t('ent.matches.yours'), ': ', x.project ? h('a', { href: `#/projects/${x.project.id}` }, x.project.title) : '', ' · ',
                t('ent.matches.theirs'), ': ', x.counterpart ? x.counterpart.organization.name : ''),
            x.counterpart ? h('div', null, h('h3', null, t('ent.matches.contacts')), h('ul', null, x.counterpart.organization.members.map(contactList))) : null))));
    }
    /** @param {string} title @param {any[]} rows @param {'target' | 'from'} key */
    const side = (title, rows, key) => {
        append(root, h('h2', null, title));
        if (!rows.length) { append(root, h('p', { class: 'muted' }, t('ent.matches.none'))); return; }
        append(root, h('ul', { class: 'list' }, rows.map((r) => h('li', null,
            h('strong', null, r[key] ? r[key].title : ''), ' ', badge(t(`ent.decision.${r.decision}`), r.decision === 'interested' ? 'ok' : 'info'),
            r.mutual ? [' ', badge(t('ent.matches.mutual'), 'ok')] : null,
            h('p', { class: 'meta' }, t('ent.matches.yours'), ': ', r.project ? r.project.title : '')))));
    };
    side(t('ent.matches.sent'), m.sent, 'target');
    side(t('ent.matches.received'), m.received, 'from');
}

/** @param {HTMLElement} root @param {any} ctx */
async function renderMeetings(root, ctx) {
    append(root, heading(t('ent.meetings.title')));
    const page = await ctx.api.myMeetings();
    const items = page.items || [];
    if (!items.length) { append(root, h('p', null, t('ent.meetings.empty'))); return; }
    append(root, h('ul', { class: 'list', 'data-testid': 'meetings' }, items.map((/** @type {any} */ m) => h('li', { 'data-testid': 'meeting-row' },
        h('div', { class: 'row spread' }, h('strong', null, m.counterpart ? t('ent.meetings.with', { name: m.counterpart.name }) : ''), badge(t('ent.meetings.table', { n: m.table }), 'info')),
        h('p', { class: 'meta' }, m.slot ? `${t('ent.meetings.slot', { n: (m.slot.index ?? 0) + 1 })} · ` : '', fmtDateTime(m.starts_at), '–', fmtDateTime(m.ends_at).split(' ').pop(), m.event ? ` · ${m.event.title}` : ''),
        (m.projects || []).length ? h('p', { class: 'meta' }, m.projects.map((/** @type {any} */ x) => `${x.supply ? x.supply.title : ''} ⇄ ${x.demand ? x.demand.title : ''}`).join('; ')) : null,
        m.counterpart ? h('ul', null, m.counterpart.members.map(contactList)) : null))));
}

void getLang;
export const routes = [
    { path: '#/orgs', title: 'ent.orgs.title', render: renderOrgs, auth: true },
    { path: '#/projects', title: 'ent.projects.title', render: renderProjects, auth: true },
    { path: '#/projects/new', title: 'ent.projects.new', render: renderNewProject, auth: true },
    { path: '#/projects/:id', title: 'ent.project.title', render: renderProject, auth: true },
    { path: '#/projects/:id/edit', title: 'ent.project.edit', render: renderEditProject, auth: true },
    { path: '#/matches', title: 'ent.matches.title', render: renderMatches, auth: true },
    { path: '#/me/meetings', title: 'ent.meetings.title', render: renderMeetings, auth: true },
];
