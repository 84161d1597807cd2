// Enterprises, as people would act: one creates a demand project, sees a planted supply project
// first with its reasons drawn, marks interest; the other side marks interest back; both see the
// mutual match with each other's contacts.
import { randomUUID } from 'node:crypto'; // Node 18 has no global crypto
const PASSWORD = 'correct-horse-9';

export const scenarios = [{
    name: 'enterprise-match',
    async run(t) {
        const tag1 = `视觉质检${t.uid}`, tag2 = `缺陷检测${t.uid}`;
        // The supply side, planted through the API: an organization and its project.
        const supEmail = `sup-${t.uid}@e2e.test`;
        await t.api.signUp(supEmail, PASSWORD, `供给方 ${t.uid}`, 'enterprise');
        const sup = await t.api.login(supEmail, PASSWORD);
        const vocab = await t.api.call('GET', '/api/v1/vocabularies');
        const sector = vocab.sectors[0].code;
        const supOrg = await sup.call('POST', '/api/v1/organizations', { name: `深瞳视觉 ${t.uid}`, tier: 'innovative', sector }, { 'Idempotency-Key': randomUUID() });
        const planted = await sup.call('POST', '/api/v1/projects', {
            organization_id: supOrg.id, side: 'supply', title: `工业视觉质检平台 ${t.uid}`, description: `基于深度学习的产线视觉质检与缺陷检测 ${tag1} ${tag2}`,
            sector, tags: [tag1, tag2, '机器视觉'], budget_min: 500000, budget_max: 2000000, stage: 'production',
        }, { 'Idempotency-Key': randomUUID() });

        // Dee signs up as an enterprise, creates her organization and a demand project.
        const dee = await t.person('dee');
        await dee.goto('#/signup', '#/signup', 'signup');
        await dee.page.getByTestId('signup-name').fill('邓');
        await dee.page.getByTestId('signup-email').fill(`dee-${t.uid}@e2e.test`);
        await dee.page.getByTestId('signup-password').fill(PASSWORD);
        await dee.page.getByTestId('signup-role').selectOption('enterprise');
        await dee.page.getByTestId('signup-submit').click();
        await dee.landed('#/orgs', 'orgs-empty');
        await dee.page.getByTestId('org-name').fill(`智造工厂 ${t.uid}`);
        await dee.page.getByTestId('org-sector').selectOption(sector);
        await dee.page.getByTestId('org-submit').click();
        await dee.page.getByTestId('org-row').waitFor();
        await dee.record('orgs');
        await dee.nav('nav-projects');
        await dee.landed('#/projects', 'projects-empty');
        await dee.page.getByTestId('project-new').click();
        await dee.landed('#/projects/new', 'project-new');
        await dee.page.getByTestId('project-side').selectOption('demand');
        await dee.page.getByTestId('project-title').fill(`产线视觉质检需求 ${t.uid}`);
        await dee.page.getByTestId('project-description').fill(`我们需要产线视觉质检和缺陷检测方案 ${tag1} ${tag2}`);
        await dee.page.getByTestId('project-sector').selectOption(sector);
        await dee.page.getByTestId('project-stage').selectOption('pilot');
        await dee.page.getByTestId('project-tags').fill(`${tag1}，${tag2}, 机器视觉`);
        await dee.page.getByTestId('project-budget-min').fill('800000');
        await dee.page.getByTestId('project-budget-max').fill('1500000');
        await dee.page.getByTestId('project-submit').click();
        await dee.page.getByTestId('rec-row').first().waitFor({ timeout: 15000 });
        await dee.landed('#/projects/', 'project-recommendations');
        const demandId = Number(dee.page.url().split('#/projects/')[1]);

        // The planted supply project comes first, its reasons drawn as bars.
        const first = dee.page.getByTestId('rec-row').first();
        t.assert(Number(await first.getAttribute('data-project-id')) === planted.id, 'the planted supply project is recommended first');
        const bars = await first.locator('[data-testid="rec-bar"]').evaluateAll((gs) => gs.map((g) => ({ f: g.getAttribute('data-factor'), w: Number(g.querySelector('rect.bar')?.getAttribute('width')) })));
        t.assert(bars.some((b) => b.f === 'shared_tags' && b.w > 0), `a drawn bar for shared tags (${JSON.stringify(bars)})`);
        t.assert(bars.some((b) => b.f === 'total' && b.w > 0), 'a drawn bar for the total');
        t.assert(await first.getByTestId('rec-reason').count() >= 2, 'the reasons are listed too');

        // The bars are the API's exact contributions: one per factor in the API's order, then the
        // total, each as wide as its contribution on the scale of score_max (so the widths are
        // proportional to the contributions), and the numbers are in the chart's label.
        const deeApi = await t.api.login(`dee-${t.uid}@e2e.test`, PASSWORD);
        const recs = await deeApi.call('GET', `/api/v1/projects/${demandId}/recommendations?limit=100`);
        const item = recs.items.find((i) => i.project.id === planted.id);
        t.assert(item, 'the planted project is in the API reply');
        const sum = item.factors.reduce((a, f) => a + f.contribution, 0);
        t.assert(Math.abs(sum - item.score) <= 1e-9, `the API's contributions sum to the score (${sum} vs ${item.score})`);
        const want = [...item.factors.map((f) => ({ f: f.code, c: f.contribution })), { f: 'total', c: item.score }];
        t.assert(bars.length === want.length && want.every((x, i) => bars[i].f === x.f), `one bar per factor, then the total (${JSON.stringify(bars)})`);
        const chart = first.getByTestId('rec-chart');
        const barW = Number(await chart.getAttribute('data-bar-width'));
        t.assert(barW > 0, 'the chart says its full bar width');
        for (const [i, x] of want.entries()) {
            const expect = (x.c / recs.score_max) * barW;
            t.assert(Math.abs(bars[i].w - expect) <= 0.01, `bar ${x.f}: width ${bars[i].w}, contribution ${x.c} of ${recs.score_max} gives ${expect}`);
        }
        const drawn = bars.slice(0, -1).reduce((a, b) => a + b.w, 0);
        t.assert(Math.abs(drawn - bars[bars.length - 1].w) <= 0.05, `the factor bars add up to the total bar (${drawn} vs ${bars[bars.length - 1].w})`);
        const label = await chart.getAttribute('aria-label');
        const fmt = new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 3 });
        for (const f of item.factors)
            t.assert(label.includes(fmt.format(f.contribution)), `the chart's label gives ${f.code} ${fmt.format(f.contribution)}: ${label}`);
        t.assert(!(await dee.page.locator('main').textContent()).includes('估算'), 'no estimate any more');
        await first.getByTestId('rec-interested').click();
        await first.getByTestId('rec-decision').filter({ hasText: '感兴趣' }).waitFor();
        await dee.record('interested');

        // Edit the project (a field changes and stays).
        await dee.page.getByTestId('project-edit').click();
        await dee.landed(`#/projects/${demandId}/edit`, 'project-edit');
        await dee.page.getByTestId('project-budget-max').fill('1800000');
        await dee.page.getByTestId('project-submit').click();
        await dee.page.getByTestId('rec-row').first().waitFor();
        await dee.landed(`#/projects/${demandId}`, 'project-edited');
        t.assert((await dee.page.locator('main').textContent()).includes('1,800,000'), 'the new budget shows');

        // The supply side logs in, sees Dee's project among theirs and marks interest back.
        const sam = await t.person('sam');
        await sam.goto(`#/login?next=${encodeURIComponent(`#/projects/${planted.id}`)}`, '#/login', 'login');
        await sam.page.getByTestId('login-email').fill(supEmail);
        await sam.page.getByTestId('login-password').fill(PASSWORD);
        await sam.page.getByTestId('login-submit').click();
        await sam.page.getByTestId('rec-row').first().waitFor({ timeout: 15000 });
        await sam.landed(`#/projects/${planted.id}`, 'project-recommendations');
        const back = sam.page.locator(`[data-testid="rec-row"][data-project-id="${demandId}"]`);
        await back.getByTestId('rec-interested').click();
        await back.getByTestId('rec-mutual').waitFor({ timeout: 10000 });
        await sam.record('mutual');

        // Both see the mutual match, with the other side's contacts.
        for (const [p, other] of [[sam, `智造工厂 ${t.uid}`], [dee, `深瞳视觉 ${t.uid}`]]) {
            await p.nav('nav-matches');
            await p.landed('#/matches', 'matches');
            const row = p.page.getByTestId('mutual-row').filter({ hasText: other });
            await row.waitFor();
            t.assert(await row.getByTestId('contact').count() >= 1, `${p.name} sees the counterpart's contacts`);
        }
        await dee.nav('nav-meetings');
        await dee.landed('#/me/meetings', 'meetings');
    },
}];
