#include "server/i18n.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Message id (English) → Chinese format. Keep the conversion specifications in the same order
 * and of the same type (tests/unit/test_i18n.c checks). Any order: sorted at first use. */
static const struct entry {
    const char *en, *zh;
} catalogue[] = {
    {"%s must be an RFC 3339 time in whole seconds, such as 2026-05-20T09:00:00Z",
     "%s 必须是精确到整秒的 RFC 3339 时间，例如 2026-05-20T09:00:00Z"},
    {"%s is transactional: it can move between channels but keeps one",
     "%s 属于事务性通知：可以换渠道，但至少保留一个"},
    {"changes must be a list of {kind, channel, enabled} objects",
     "changes 必须是 {kind, channel, enabled} 对象的列表"},
    {"changes must be a list of 1 to %d {kind, channel, enabled} objects",
     "changes 必须是 1 到 %d 个 {kind, channel, enabled} 对象的列表"},
    {"give either changes or one kind, channel and enabled, not both",
     "请只给出 changes，或者只给出一组 kind、channel 和 enabled，不能同时给出"},
    {"a session cannot start in the past",
     "场次的开始时间不能早于现在"},
    {"drafts are not public: an organizer lists their own drafts at GET /api/v1/me/events?status=draft",
     "草稿不公开：主办方可在 GET /api/v1/me/events?status=draft 查看自己的草稿"},
    {"ends_at must not be moved into the past",
     "ends_at 不能改到过去的时间"},
    {"no such calendar",
     "没有这个日历"},
    {"only the event's organizer (or an admin) checks registrations in",
     "只有活动主办方（或管理员）才能为报名签到"},
    {"starts_at must not be in the past",
     "starts_at 不能早于现在"},
    {"starts_at must not be moved into the past",
     "starts_at 不能改到过去的时间"},
    {"time_zone must be an IANA time zone name such as Asia/Shanghai",
     "time_zone 必须是 IANA 时区名，例如 Asia/Shanghai"},
    {"unknown field %s (docs/openapi.yaml lists the fields of this request)",
     "未知字段 %s（本请求的字段见 docs/openapi.yaml）"},
    {"unknown query parameter %s",
     "未知的查询参数 %s"},
    {"unknown query parameter mine: your own events are at GET /api/v1/me/events",
     "未知的查询参数 mine：自己的活动请用 GET /api/v1/me/events"},
    {"%s \"%.64s\" is not a known code: see GET /api/v1/vocabularies (%s)",
     "%s“%.64s”不是已知的代码：见 GET /api/v1/vocabularies（%s）"},
    {"both organizations have a member in common: a person's own organizations cannot be matched with one another",
     "两个机构有共同成员：同一个人的机构之间不能相互匹配"},
    {"closed projects are listed only to members of their organization: sign in",
     "已关闭的项目只对其所属机构的成员列出：请先登录"},
    {"%d failed logins from this address within %d seconds; retry in %d seconds",
     "该地址登录失败已达 %d 次（%d 秒内），请在 %d 秒后重试"},
    {"%d failed logins to this account within %d seconds; retry in %d seconds",
     "该账号登录失败已达 %d 次（%d 秒内），请在 %d 秒后重试"},
    {"%lld registrations are confirmed; capacity cannot be %lld",
     "已有 %lld 人确认报名，容量不能设为 %lld"},
    {"%s",
     "%s"},
    {"project %lld already has %d interests waiting for its answer; try again after it answers some, or look at other recommendations",
     "项目 %lld 已有 %d 个待回复的意向，请在对方回复后再试，或查看其他推荐"},
    {"%s cannot be null",
     "%s 不能为 null"},
    {"%s is not a field of this request",
     "%s 不是本请求的字段"},
    {"%s is required",
     "%s 为必填项"},
    {"%s must be UTF-8 text without NUL characters",
     "%s 必须是不含 NUL 字符的 UTF-8 文本"},
    {"%s must be a number",
     "%s 必须是数字"},
    {"%s must be a string",
     "%s 必须是字符串"},
    {"%s must be an RFC 3339 time such as 2026-05-20T09:00:00Z",
     "%s 必须是 RFC 3339 时间，例如 2026-05-20T09:00:00Z"},
    {"%s must be an id",
     "%s 必须是编号"},
    {"%s must be an integer",
     "%s 必须是整数"},
    {"%s must be an integer from %lld to %lld",
     "%s 必须是 %lld 到 %lld 之间的整数"},
    {"%s must be from %g to %g",
     "%s 必须在 %g 到 %g 之间"},
    {"%s must be from %lld to %lld",
     "%s 必须在 %lld 到 %lld 之间"},
    {"%s must be one of: %s",
     "%s 必须是以下之一：%s"},
    {"%s must be true or false",
     "%s 必须是 true 或 false"},
    {"%s must be valid UTF-8 text without control characters",
     "%s 必须是不含控制字符的有效 UTF-8 文本"},
    {"%s must have %zu to %zu characters",
     "%s 必须有 %zu 到 %zu 个字符"},
    {"%s must take at most %zu bytes of UTF-8",
     "%s 的 UTF-8 编码最多 %zu 字节"},
    {"'%.60s' is not a criterion of this competition",
     "“%.60s”不是本次比赛的评分项"},
    {"Idempotency-Key must be 1 to %d printable ASCII characters",
     "Idempotency-Key 必须是 1 到 %d 个可打印 ASCII 字符"},
    {"a Bearer token is required",
     "需要 Bearer 令牌"},
    {"a JSON object body is required",
     "请求体必须是 JSON 对象"},
    {"a NUL byte in the request (headers and bodies are text)",
     "请求中有 NUL 字节（请求头和请求体都必须是文本）"},
    {"a cancelled event cannot be changed",
     "已取消的活动不能修改"},
    {"a cancelled event's sessions cannot be changed",
     "已取消活动的场次不能修改"},
    {"a competition has at most %d criteria",
     "一场比赛最多有 %d 个评分项"},
    {"a dependency is unavailable; retry shortly",
     "依赖的服务暂不可用，请稍后重试"},
    {"a judge does not score an entry of their own organization",
     "评委不能为本机构的参赛作品打分"},
    {"a pitch of %lld minutes is longer than the session",
     "%lld 分钟的路演比场次还长"},
    {"a project cannot express interest in itself",
     "项目不能对自己表达意向"},
    {"a request with this Idempotency-Key is still being processed",
     "使用这个 Idempotency-Key 的请求仍在处理中"},
    {"a score must be a number from 0 to %g",
     "分数必须是 0 到 %g 之间的数"},
    {"a session ends after the new ends_at",
     "有场次晚于新的 ends_at 结束"},
    {"a session starts before the new starts_at",
     "有场次早于新的 starts_at 开始"},
    {"an account with this email exists",
     "该邮箱已注册账号"},
    {"an event has at most %d meeting slots (%lld exist)",
     "一个活动最多有 %d 个洽谈时段（已有 %lld 个）"},
    {"another pitch is in the room at that time",
     "该时间会场里已有另一场路演"},
    {"available_until must be at least `minutes` after available_from",
     "available_until 必须比 available_from 至少晚 `minutes` 分钟"},
    {"both projects are %s projects: interests pair supply with demand",
     "两个项目都是%s项目：意向只在供给与需求之间建立"},
    {"both projects belong to the same organization",
     "两个项目属于同一机构"},
    {"budget_max (%lld) must be at least budget_min (%lld)",
     "budget_max（%lld）不能小于 budget_min（%lld）"},
    {"cancelled",
     "已取消"},
    {"contact_email must look like name@example.com",
     "contact_email 必须形如 name@example.com"},
    {"contact_phone must be 5 to 20 digits, optionally with a leading + and spaces, - or parentheses between them",
     "contact_phone 必须是 5 到 20 位数字，可以 + 开头，数字之间可有空格、- 或括号"},
    {"contact_wechat must be a WeChat ID: 6 to 20 letters, digits, _ or -, starting with a letter",
     "contact_wechat 必须是微信号：6 到 20 个字母、数字、_ 或 -，以字母开头"},
    {"corrupt idempotency record",
     "幂等记录已损坏"},
    {"create meeting slots first (POST /api/v1/events/%lld/meeting-slots)",
     "请先创建洽谈时段（POST /api/v1/events/%lld/meeting-slots）"},
    {"criterion given twice",
     "同一评分项给了两次"},
    {"cursor must be the next_cursor of an earlier page of this list",
     "cursor 必须是本列表前一页返回的 next_cursor"},
    {"demand",
     "需求"},
    {"down",
     "不可用"},
    {"draft",
     "草稿"},
    {"email must look like name@example.com (at most %d bytes)",
     "email 必须形如 name@example.com（最多 %d 字节）"},
    {"ends_at must be after starts_at",
     "ends_at 必须晚于 starts_at"},
    {"ends_at must be after starts_at (and within 366 days)",
     "ends_at 必须晚于 starts_at（且在 366 天以内）"},
    {"ends_at must be within %lld days of starts_at",
     "ends_at 必须在 starts_at 之后 %lld 天以内"},
    {"event",
     "活动"},
    {"every criterion needs a score (criterion %lld is missing)",
     "每个评分项都要打分（缺评分项 %lld）"},
    {"internal error (request %s)",
     "服务器内部错误（请求 %s）"},
    {"is empty",
     "为空"},
    {"it exists already",
     "已存在"},
    {"judges have already scored this competition; criteria are fixed",
     "评委已开始为本次比赛打分，评分项不能再改"},
    {"limit must be from 1 to %d",
     "limit 必须在 1 到 %d 之间"},
    {"malformed token",
     "令牌格式不正确"},
    {"max_score must be above 0",
     "max_score 必须大于 0"},
    {"meeting %lld is already cancelled",
     "洽谈 %lld 已取消"},
    {"must be a string",
     "必须是字符串"},
    {"must be valid UTF-8 text without control characters",
     "必须是不含控制字符的有效 UTF-8 文本"},
    {"must have at most 32 characters",
     "最多 32 个字符"},
    {"mysql %s, redis %s",
     "MySQL %s，Redis %s"},
    {"no %s %lld",
     "没有%s %lld"},
    {"no competition session %lld",
     "没有编号为 %lld 的比赛场次"},
    {"no entry %lld",
     "没有编号为 %lld 的参赛作品"},
    {"no event %lld",
     "没有编号为 %lld 的活动"},
    {"no meeting %lld",
     "没有编号为 %lld 的洽谈"},
    {"no notification %lld",
     "没有编号为 %lld 的通知"},
    {"only a dead notification can be retried (this one is %s)",
     "只有投递失败（dead）的通知可以重试（该通知状态：%s）"},
    {"pending",
     "待发送"},
    {"sent",
     "已发送"},
    {"no organization %lld",
     "没有编号为 %lld 的机构"},
    {"no pitch %lld",
     "没有编号为 %lld 的路演"},
    {"no project %lld",
     "没有编号为 %lld 的项目"},
    {"no registration %lld",
     "没有编号为 %lld 的报名"},
    {"no registration has this code",
     "没有报名使用这个签到码"},
    {"no route for %s",
     "没有路径 %s"},
    {"no session",
     "没有这个场次"},
    {"no session %lld",
     "没有编号为 %lld 的场次"},
    {"no such invitation",
     "没有这个邀请"},
    {"no such project",
     "没有这个项目"},
    {"no such resource",
     "资源不存在"},
    {"no such session",
     "没有这个场次"},
    {"no such user",
     "没有这个用户"},
    {"no user %lld",
     "没有编号为 %lld 的用户"},
    {"not allowed",
     "不允许"},
    {"only a confirmed registration has a ticket (this one is %s)",
     "只有已确认的报名才有入场券（该报名状态：%s）"},
    {"waitlisted",
     "候补中"},
    {"no such file",
     "没有这个文件"},
    {"this origin may not call the API from a browser (cors_origins)",
     "该来源不允许从浏览器调用 API（cors_origins）"},
    {"only a judge assigned to this competition scores its entries",
     "只有本次比赛的评委才能为参赛作品打分"},
    {"only a judge assigned to this competition reads their scores of it",
     "只有本次比赛的评委才能查看自己在本次比赛中的评分"},
    {"only members of organization %lld may do this",
     "只有机构 %lld 的成员才能执行此操作"},
    {"only members of the project's organization may do this",
     "只有项目所属机构的成员才能执行此操作"},
    {"only the event's organizer or a member of either organization cancels a meeting",
     "只有活动主办方或任一方机构的成员才能取消洽谈"},
    {"only the event's organizer or an admin may do this",
     "只有活动主办方或管理员才能执行此操作"},
    {"only the invited user may accept an invitation",
     "只有被邀请的用户才能接受邀请"},
    {"only the invited user may decline an invitation",
     "只有被邀请的用户才能拒绝邀请"},
    {"only the organization's members revoke; the invited user declines",
     "只有机构成员才能撤回邀请；被邀请人请选择拒绝"},
    {"organization_id cannot change",
     "organization_id 不能修改"},
    {"pitch %lld: %s",
     "路演 %lld：%s"},
    {"project %lld is closed",
     "项目 %lld 已关闭"},
    {"project %lld is closed and gets no recommendations",
     "项目 %lld 已关闭，不再获得推荐"},
    {"published",
     "已发布"},
    {"registration has not opened yet",
     "报名尚未开始"},
    {"registration is closed",
     "报名已截止"},
    {"registration must close by the end of the session",
     "报名必须在场次结束前截止"},
    {"registration must open before the session ends",
     "报名必须在场次结束前开始"},
    {"registration_closes_at must be after registration_opens_at",
     "registration_closes_at 必须晚于 registration_opens_at"},
    {"results are published; scores are final",
     "结果已公布，分数不能再改"},
    {"scores must be an object of criterion id to score",
     "scores 必须是以评分项编号为键、分数为值的对象"},
    {"session",
     "场次"},
    {"session %lld is a %s session, not %s",
     "场次 %lld 是%s场次，不是%s场次"},
    {"sessions cannot be added to a cancelled event",
     "已取消的活动不能添加场次"},
    {"side cannot change: close this project and publish one on the other side",
     "side 不能修改：请关闭本项目，再以另一方发布新项目"},
    {"starts_at must be between 2000 and 2100",
     "starts_at 必须在 2000 年到 2100 年之间"},
    {"starts_at must be on a whole minute",
     "starts_at 必须是整分钟"},
    {"supply",
     "供给"},
    {"tag must have 1 to %d characters",
     "tag 必须有 1 到 %d 个字符"},
    {"tags is required: 1 to %d tags",
     "tags 为必填项：1 到 %d 个标签"},
    {"tags must be an array of strings",
     "tags 必须是字符串数组"},
    {"tags must have 1 to %d items",
     "tags 必须有 1 到 %d 项"},
    {"tags[%zu] %s",
     "tags[%zu] %s"},
    {"the %s header must be UTF-8 text without control characters",
     "%s 请求头必须是不含控制字符的 UTF-8 文本"},
    {"the account is gone",
     "该账号已不存在"},
    {"the body is larger than %d bytes",
     "请求体超过 %d 字节"},
    {"the body is not valid JSON",
     "请求体不是有效的 JSON"},
    {"the body must be a JSON object",
     "请求体必须是 JSON 对象"},
    {"the criteria changed meanwhile; reload and score again",
     "评分项刚刚有变动，请刷新后重新打分"},
    {"the event is %s",
     "活动当前为%s状态"},
    {"the event is already %s",
     "活动已经是%s状态"},
    {"the event is cancelled",
     "活动已取消"},
    {"the event is not published yet",
     "活动尚未发布"},
    {"the new slots overlap %lld existing meeting slot(s) of this event",
     "新时段与本活动已有的 %lld 个洽谈时段重叠"},
    {"the organization already exhibits at this event",
     "该机构已是本活动的展商"},
    {"the pitch cannot be placed there",
     "路演不能安排在那里"},
    {"the pitch would not fit inside the session",
     "路演放不进该场次"},
    {"the presenter has a 1:1 meeting at that time",
     "演讲人那时有一对一洽谈"},
    {"the presenter is not available then",
     "演讲人那时没空"},
    {"the presenter is pitching elsewhere at that time",
     "演讲人那时在别处路演"},
    {"the project is closed",
     "项目已关闭"},
    {"the project was closed meanwhile",
     "项目刚刚已关闭"},
    {"the query parameter %s must be percent-encoded UTF-8 text without NUL or control characters",
     "查询参数 %s 必须是百分号编码的 UTF-8 文本，不含 NUL 或控制字符"},
    {"the registration is already cancelled",
     "该报名已取消"},
    {"the results of this competition are not published yet",
     "本次比赛的结果尚未公布"},
    {"the server is shutting down",
     "服务器正在关闭"},
    {"the session is full",
     "场次已满"},
    {"the session is full and has no waitlist",
     "场次已满，且没有候补名单"},
    {"the session must end within its event",
     "场次必须在活动时间内结束"},
    {"the session must start within its event",
     "场次必须在活动时间内开始"},
    {"the slots (%s to %s) must lie inside the event (%s to %s)",
     "时段（%s 至 %s）必须在活动时间（%s 至 %s）之内"},
    {"the token is unknown or expired; log in again",
     "令牌无效或已过期，请重新登录"},
    {"this Idempotency-Key was used for a different request",
     "这个 Idempotency-Key 已用于另一个请求"},
    {"this code belongs to another organizer's event",
     "这个签到码属于其他主办方的活动"},
    {"this competition has no criteria yet",
     "本次比赛还没有评分项"},
    {"this event's meeting slots have %lld tables each",
     "本活动的洽谈时段每个有 %lld 张桌"},
    {"this invitation is no longer pending",
     "该邀请已不在待处理状态"},
    {"this invitation was accepted already",
     "该邀请已被接受"},
    {"this invitation was declined or revoked; ask for a new one",
     "该邀请已被拒绝或撤回，请重新申请邀请"},
    {"this project already pitches in this session",
     "该项目已在本场次路演"},
    {"this project is already entered in this competition",
     "该项目已报名本次比赛"},
    {"this session already has a criterion of that name",
     "本场次已有同名评分项"},
    {"this user already judges this competition",
     "该用户已是本次比赛的评委"},
    {"to must not be before from",
     "to 不能早于 from"},
    {"too many passwords are being checked right now; retry in a moment",
     "当前校验密码的请求过多，请稍后重试"},
    {"too many requests queued",
     "排队的请求过多"},
    {"trailing data after the JSON",
     "JSON 之后还有多余数据"},
    {"up",
     "正常"},
    {"use %s for this path",
     "此路径请使用 %s"},
    {"user %lld is already a member",
     "用户 %lld 已是成员"},
    {"weight must be above 0",
     "weight 必须大于 0"},
    {"wrong email or password",
     "邮箱或密码错误"},
    {"your role may not do this",
     "你的角色无权执行此操作"},
    /* webhooks (handlers/webhooks.c) */
    {"webhooks are not sent to %s addresses (%s)",
     "Webhook 不会发送到 %s 地址（%s）"},
    {"url must be an absolute http or https URL, ASCII without spaces",
     "url 必须是完整的 http 或 https 地址，只含 ASCII 字符且不含空格"},
    {"events must be an array of 1 to 32 event types",
     "events 必须是包含 1 到 32 个事件类型的数组"},
    {"events: \"%.64s\" is not a known event type (docs/openapi.yaml lists them)",
     "events：“%.64s”不是已知的事件类型（见 docs/openapi.yaml）"},
    {"at most %d webhook endpoints each; delete one first",
     "每处最多 %d 个 Webhook 端点，请先删除一个"},
    {"no webhook endpoint %lld",
     "没有 Webhook 端点 %lld"},
    {"no webhook outbox row %lld",
     "没有 Webhook 发件箱记录 %lld"},
};

#define NENTRIES (sizeof(catalogue) / sizeof(catalogue[0]))

static const struct entry *sorted[NENTRIES];
static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

static int by_en(const void *a, const void *b)
{
    return strcmp((*(const struct entry *const *)a)->en, (*(const struct entry *const *)b)->en);
}

static void sort_catalogue(void)
{
    for (size_t i = 0; i < NENTRIES; i++)
        sorted[i] = &catalogue[i];
    qsort(sorted, NENTRIES, sizeof(sorted[0]), by_en);
}

const char *i18n_zh(const char *msgid)
{
    if (!msgid)
        return NULL;
    pthread_once(&sorted_once, sort_catalogue);
    struct entry key = {msgid, NULL};
    const struct entry *kp = &key;
    const struct entry *const *hit = bsearch(&kp, sorted, NENTRIES, sizeof(sorted[0]), by_en);
    return hit ? (*hit)->zh : NULL;
}

const char *i18n_entry(size_t i, const char **zh)
{
    if (i >= NENTRIES)
        return NULL;
    *zh = catalogue[i].zh;
    return catalogue[i].en;
}

/* One conversion specification. */
struct spec {
    const char *start; /* the '%' */
    size_t len;        /* through the conversion character */
    char mod[3];       /* "", "h", "hh", "l", "ll", "z", "j", "t", "L" */
    char conv;
};

/* Parses the specification at p (a '%'); false for what i18n_vformat does not take. */
static bool spec_at(const char *p, struct spec *s)
{
    const char *q = p + 1;
    s->start = p;
    while (*q && strchr("-+ #0'", *q))
        q++;
    while (*q >= '0' && *q <= '9')
        q++;
    if (*q == '$' || *q == '*')
        return false;
    if (*q == '.') {
        q++;
        if (*q == '*')
            return false;
        while (*q >= '0' && *q <= '9')
            q++;
    }
    size_t m = 0;
    while (*q && strchr("hlzjtL", *q) && m < 2)
        s->mod[m++] = *q++;
    s->mod[m] = '\0';
    if (!*q || !strchr("diouxXeEfgGaAcsp%", *q))
        return false;
    s->conv = *q;
    s->len = (size_t)(q - p) + 1;
    return true;
}

int i18n_specs(const char *fmt, char *out, size_t len)
{
    size_t o = 0;
    int n = 0;
    if (len)
        out[0] = '\0';
    for (const char *p = strchr(fmt, '%'); p; p = strchr(p, '%')) {
        struct spec s;
        if (!spec_at(p, &s))
            return -1;
        p += s.len;
        if (s.conv == '%')
            continue;
        int k = snprintf(out + o, o < len ? len - o : 0, "%s%s%c", n ? "," : "", s.mod, s.conv);
        o += (size_t)k;
        n++;
    }
    return n;
}

#define ARGS_MAX 16

union arg {
    long long i;
    unsigned long long u;
    double d;
    const char *s;
    const void *p;
};

/* Appends to out at *o (bounded by len). */
static void put(char *out, size_t len, size_t *o, const char *s, size_t n)
{
    if (*o + 1 >= len)
        return;
    size_t room = len - 1 - *o;
    if (n > room)
        n = room;
    memcpy(out + *o, s, n);
    *o += n;
    out[*o] = '\0';
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* Formats one specification (its text copied out of the catalogue) with its argument. */
static void put_spec(char *out, size_t len, size_t *o, const struct spec *s, const union arg *a)
{
    char f[32], buf[512];
    if (s->len >= sizeof(f))
        return;
    memcpy(f, s->start, s->len);
    f[s->len] = '\0';
    int n;
    switch (s->conv) {
    case 'd':
    case 'i':
        if (!strcmp(s->mod, "ll") || !strcmp(s->mod, "l") || !strcmp(s->mod, "z") ||
            !strcmp(s->mod, "j") || !strcmp(s->mod, "t"))
            n = snprintf(buf, sizeof(buf), f, a->i);
        else
            n = snprintf(buf, sizeof(buf), f, (int)a->i);
        break;
    case 'o':
    case 'u':
    case 'x':
    case 'X':
    case 'c':
        if (s->mod[0])
            n = snprintf(buf, sizeof(buf), f, a->u);
        else
            n = snprintf(buf, sizeof(buf), f, (unsigned)a->u);
        break;
    case 's':
        n = snprintf(buf, sizeof(buf), f, a->s ? a->s : "(null)");
        break;
    case 'p':
        n = snprintf(buf, sizeof(buf), f, a->p);
        break;
    default: /* floating point */
        n = snprintf(buf, sizeof(buf), f, a->d);
    }
    if (n > 0)
        put(out, len, o, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}
#pragma GCC diagnostic pop

/* Reads the arguments `fmt` takes into a[]; the count, or -1 when the format is beyond us. */
static int collect(const char *fmt, va_list ap, union arg *a)
{
    int n = 0;
    for (const char *p = strchr(fmt, '%'); p; p = strchr(p, '%')) {
        struct spec s;
        if (!spec_at(p, &s))
            return -1;
        p += s.len;
        if (s.conv == '%')
            continue;
        if (n == ARGS_MAX)
            return -1;
        bool wide = s.mod[0] == 'l' || s.mod[0] == 'z' || s.mod[0] == 'j' || s.mod[0] == 't';
        bool ll = !strcmp(s.mod, "ll");
        switch (s.conv) {
        case 'd':
        case 'i':
            a[n].i = ll ? va_arg(ap, long long) : wide ? (long long)va_arg(ap, long) : va_arg(ap, int);
            break;
        case 'o':
        case 'u':
        case 'x':
        case 'X':
        case 'c':
            a[n].u = ll     ? va_arg(ap, unsigned long long)
                     : wide ? (unsigned long long)va_arg(ap, unsigned long)
                            : va_arg(ap, unsigned);
            break;
        case 's':
            a[n].s = va_arg(ap, const char *);
            break;
        case 'p':
            a[n].p = va_arg(ap, const void *);
            break;
        default:
            if (s.mod[0] == 'L')
                return -1;
            a[n].d = va_arg(ap, double);
        }
        n++;
    }
    return n;
}

void i18n_vformat(enum lang lang, char *out, size_t len, const char *fmt, va_list ap)
{
    const char *zh = lang == LANG_ZH ? i18n_zh(fmt) : NULL;
    union arg a[ARGS_MAX];
    va_list cp;
    va_copy(cp, ap);
    int n = zh ? collect(fmt, cp, a) : -1;
    va_end(cp);
    if (n < 0) { /* English, or nothing to translate it with */
        vsnprintf(out, len, fmt, ap);
        return;
    }
    size_t o = 0;
    out[0] = '\0';
    int k = 0;
    const char *p = zh;
    for (const char *q = strchr(p, '%'); q; q = strchr(p, '%')) {
        struct spec s;
        put(out, len, &o, p, (size_t)(q - p));
        if (!spec_at(q, &s)) { /* the catalogue's test refuses this; stay safe regardless */
            p = q + 1;
            continue;
        }
        p = q + s.len;
        if (s.conv == '%') {
            put(out, len, &o, "%", 1);
            continue;
        }
        if (k >= n)
            continue;
        union arg v = a[k++];
        if (s.conv == 's' && v.s && !strchr(v.s, '%')) {
            const char *t = i18n_zh(v.s);
            if (t)
                v.s = t;
        }
        put_spec(out, len, &o, &s, &v);
    }
    put(out, len, &o, p, strlen(p));
}
