#include "notify/templates.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "notify/mime.h"
#include "notify/notify.h"
#include "server/buf.h"
#include "server/timeutil.h"
#include "server/tz.h"

/* One branch per language, literal formats (zh first). */
#define ZH_EN(lang, zh, en) ((lang) == LANG_ZH ? (zh) : (en))

bool tmpl_transactional(const char *type)
{
    return strncmp(type, "registration.", 13) == 0 || strncmp(type, "meeting.", 8) == 0 ||
           strcmp(type, NOTIFY_REMINDER) == 0;
}

bool tmpl_has_calendar(const char *type)
{
    return strncmp(type, "registration.", 13) == 0 || strncmp(type, "meeting.", 8) == 0;
}

/* ---- reading data ---- */

static const cJSON *jpath(const cJSON *o, const char *path)
{
    char key[64];
    while (o && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof(key))
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        o = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
        path += n + (path[n] == '.');
    }
    return o;
}

/* The first of the paths (NULL-terminated) that holds a non-empty string. */
static const char *dstr(const cJSON *d, ...)
{
    va_list ap;
    va_start(ap, d);
    const char *p, *found = NULL;
    while (!found && (p = va_arg(ap, const char *))) {
        const cJSON *v = jpath(d, p);
        if (cJSON_IsString(v) && v->valuestring[0])
            found = v->valuestring;
    }
    va_end(ap);
    return found;
}

/* The first of the paths that holds a number; false when none. */
static bool dnum(const cJSON *d, double *out, ...)
{
    va_list ap;
    va_start(ap, out);
    const char *p;
    bool found = false;
    while (!found && (p = va_arg(ap, const char *))) {
        const cJSON *v = jpath(d, p);
        if (cJSON_IsNumber(v)) {
            *out = v->valuedouble;
            found = true;
        }
    }
    va_end(ap);
    return found;
}

/* ---- the mail being written ---- */

struct mb {
    const struct tmpl_in *in;
    enum lang lang;
    struct buf text, html;
    char *subject;
    bool in_table;
};

static void end_table(struct mb *m)
{
    if (m->in_table) {
        buf_puts(&m->html, "</table>\r\n");
        buf_puts(&m->text, "\n");
        m->in_table = false;
    }
}

static void para(struct mb *m, const char *s)
{
    end_table(m);
    buf_printf(&m->text, "%s\n\n", s);
    buf_puts(&m->html, "<p>");
    mime_html_escape(&m->html, s);
    buf_puts(&m->html, "</p>\r\n");
}

static void paraf(struct mb *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void paraf(struct mb *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    if (s)
        para(m, s);
    free(s);
}

static void field(struct mb *m, const char *label, const char *value)
{
    if (!value || !*value)
        return;
    if (!m->in_table) {
        buf_puts(&m->html, "<table cellpadding=\"4\" style=\"border-collapse:collapse\">\r\n");
        m->in_table = true;
    }
    buf_printf(&m->text, "%s%s%s\n", label, ZH_EN(m->lang, "：", ": "), value);
    buf_puts(&m->html, "<tr><th align=\"left\" style=\"color:#555\">");
    mime_html_escape(&m->html, label);
    buf_puts(&m->html, "</th><td>");
    mime_html_escape(&m->html, value);
    buf_puts(&m->html, "</td></tr>\r\n");
}

static void link(struct mb *m, const char *label, const char *path)
{
    end_table(m);
    char *url = xasprintf("%s%s", m->in->public_url ? m->in->public_url : "", path);
    buf_printf(&m->text, "%s%s%s\n\n", label, ZH_EN(m->lang, "：", ": "), url);
    buf_puts(&m->html, "<p><a href=\"");
    mime_html_escape(&m->html, url);
    buf_puts(&m->html, "\" style=\"display:inline-block;padding:8px 16px;background:#1a56db;"
                       "color:#fff;text-decoration:none;border-radius:4px\">");
    mime_html_escape(&m->html, label);
    buf_puts(&m->html, "</a></p>\r\n");
    free(url);
}

static void subjectf(struct mb *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void subjectf(struct mb *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(m->subject);
    if (vasprintf(&m->subject, fmt, ap) < 0)
        m->subject = NULL;
    va_end(ap);
}

/* A time from data (RFC 3339 at one of the paths) in the event's zone, into buf; NULL if none. */
static const char *when(struct mb *m, char *buf, const char *a, const char *b, const char *c)
{
    const char *s = dstr(m->in->data, a, b, c, NULL);
    int64_t t;
    if (!s || time_parse_rfc3339(s, &t) != 0)
        return NULL;
    const struct tz *z = m->in->tz ? m->in->tz : tz_get(TZ_DEFAULT);
    if (!z)
        return s;
    return tz_format_text(z, t, m->lang == LANG_ZH, buf);
}

/* ---- the values most templates show ---- */

struct vals {
    const char *event, *session, *place, *counterpart, *project, *org, *status, *reason;
    char *owned; /* what counterpart points to when it was built here */
    char start[TZ_LOCAL_BUF], end[TZ_LOCAL_BUF], old_start[TZ_LOCAL_BUF];
    const char *starts, *ends, *old_starts;
};

static void read_vals(struct mb *m, struct vals *v)
{
    const cJSON *d = m->in->data;
    v->event = dstr(d, "event.title", "event_title", NULL);
    if (!v->event)
        v->event = m->in->event_title;
    v->session = dstr(d, "session.title", "session_title", "title", NULL);
    v->place = dstr(d, "room", "session.room", "location", "meeting.location", NULL);
    v->counterpart = dstr(d, "counterpart.name", "other_org.name", "other_organization.name",
                          "counterpart_name", "organization.name", "org_name", NULL);
    v->project = dstr(d, "pitch.project_title", "project.title", "project_title", NULL);
    /* a meeting's organizations, "A × B" */
    const cJSON *orgs = jpath(d, "meeting.organizations"), *o;
    if (cJSON_IsArray(orgs) && !v->counterpart) {
        struct buf b;
        buf_init(&b);
        cJSON_ArrayForEach(o, orgs)
        {
            const char *n = dstr(o, "name", NULL);
            if (n)
                buf_printf(&b, "%s%s", b.len ? " × " : "", n);
        }
        if (b.len) {
            size_t n;
            v->owned = buf_take(&b, &n);
            v->counterpart = v->owned;
        }
        buf_deinit(&b);
    }
    v->org = dstr(d, "organization.name", "org.name", "org_name", NULL);
    v->status = dstr(d, "meeting.status", "status", NULL);
    v->reason = dstr(d, "reason", NULL);
    /* a pitch's or a meeting's own times before its session's */
    v->starts = when(m, v->start, "pitch.starts_at", "meeting.starts_at", "session.starts_at");
    if (!v->starts)
        v->starts = when(m, v->start, "starts_at", "event.starts_at", NULL);
    v->ends = when(m, v->end, "pitch.ends_at", "meeting.ends_at", "session.ends_at");
    if (!v->ends)
        v->ends = when(m, v->end, "ends_at", "event.ends_at", NULL);
    v->old_starts = when(m, v->old_start, "old_starts_at", "previous.starts_at", "old.starts_at");
}

static const char *or(const char *s, const char *fallback)
{
    return s && *s ? s : fallback;
}

static void time_fields(struct mb *m, const struct vals *v)
{
    field(m, ZH_EN(m->lang, "活动", "Event"), v->event);
    if (v->starts && v->ends) {
        char *t = xasprintf("%s%s%s", v->starts, ZH_EN(m->lang, " 至 ", " to "), v->ends);
        field(m, ZH_EN(m->lang, "时间", "Time"), t);
        free(t);
    } else {
        field(m, ZH_EN(m->lang, "时间", "Time"), v->starts);
    }
    field(m, ZH_EN(m->lang, "地点", "Place"), v->place);
}

/* ---- one function per type ---- */

static void t_registration(struct mb *m, const struct vals *v)
{
    enum lang l = m->lang;
    const char *s = or(v->session, or(v->event, ZH_EN(l, "活动", "the event")));
    const char *type = m->in->type;
    if (strcmp(type, NOTIFY_REGISTRATION_CONFIRMED) == 0) {
        subjectf(m, ZH_EN(l, "报名成功：%s", "Registration confirmed: %s"), s);
        paraf(m, ZH_EN(l, "您已成功报名「%s」。", "You are registered for \"%s\"."), s);
    } else if (strcmp(type, NOTIFY_REGISTRATION_PROMOTED) == 0) {
        subjectf(m, ZH_EN(l, "候补成功，报名已确认：%s", "Off the waitlist, you are in: %s"), s);
        paraf(m,
              ZH_EN(l, "好消息：「%s」有名额空出，您已从候补名单递补为正式报名，无需任何操作。",
                    "Good news: a place opened up in \"%s\" and your registration moved from the"
                    " waitlist to confirmed. Nothing else to do."),
              s);
    } else if (strcmp(type, NOTIFY_REGISTRATION_WAITLISTED) == 0) {
        double pos;
        subjectf(m, ZH_EN(l, "已进入候补名单：%s", "You are on the waitlist: %s"), s);
        if (dnum(m->in->data, &pos, "registration.waitlist_position", "position",
                 "waitlist_position", NULL))
            paraf(m,
                  ZH_EN(l, "「%s」名额已满，您在候补名单第 %.0f 位。有名额空出时会自动为您递补，并邮件通知您。",
                        "\"%s\" is full; you are number %.0f on the waitlist. When a place opens"
                        " up you move up automatically and we e-mail you."),
                  s, pos);
        else
            paraf(m,
                  ZH_EN(l, "「%s」名额已满，您已进入候补名单。有名额空出时会自动为您递补，并邮件通知您。",
                        "\"%s\" is full; you are on the waitlist. When a place opens up you move"
                        " up automatically and we e-mail you."),
                  s);
    } else {
        subjectf(m, ZH_EN(l, "报名已取消：%s", "Registration cancelled: %s"), s);
        paraf(m, ZH_EN(l, "您在「%s」的报名已取消。", "Your registration for \"%s\" was cancelled."),
              s);
        if (v->reason)
            field(m, ZH_EN(l, "原因", "Reason"), v->reason);
    }
    time_fields(m, v);
    bool confirmed = strcmp(type, NOTIFY_REGISTRATION_CONFIRMED) == 0 ||
                     strcmp(type, NOTIFY_REGISTRATION_PROMOTED) == 0;
    if (confirmed)
        para(m, ZH_EN(l, "入场时请出示附件中的电子票二维码；附件中的日程（.ics）可导入您的日历。",
                      "Show the ticket's QR code (attached) at the entrance; the attached .ics"
                      " adds the session to your calendar."));
    link(m, ZH_EN(l, "查看我的报名", "See my registrations"), "/#/me/registrations");
}

static void t_event_cancelled(struct mb *m, const struct vals *v)
{
    enum lang l = m->lang;
    const char *e = or(v->event, ZH_EN(l, "活动", "the event"));
    subjectf(m, ZH_EN(l, "活动已取消：%s", "Event cancelled: %s"), e);
    paraf(m,
          ZH_EN(l, "很抱歉，「%s」已由主办方取消，您在该活动的报名随之失效。",
                "We are sorry: the organizer cancelled \"%s\"; your registrations for it no longer"
                " apply."),
          e);
    if (v->reason)
        field(m, ZH_EN(l, "原因", "Reason"), v->reason);
    link(m, ZH_EN(l, "浏览其他活动", "Browse other events"), "/#/events");
}

static void t_session_changed(struct mb *m, const struct vals *v)
{
    enum lang l = m->lang;
    const char *s = or(v->session, ZH_EN(l, "场次", "a session"));
    subjectf(m, ZH_EN(l, "日程变更：%s", "Schedule change: %s"), s);
    paraf(m,
          ZH_EN(l, "您报名的「%s」时间或地点有变化，请以以下新安排为准。",
                "The time or place of \"%s\", which you registered for, changed. The new"
                " arrangement:"),
          s);
    time_fields(m, v);
    field(m, ZH_EN(l, "原定时间", "Was"), v->old_starts);
    field(m, ZH_EN(l, "原定地点", "Was in"), dstr(m->in->data, "previous.room", NULL));
    link(m, ZH_EN(l, "查看我的日程", "See my agenda"), "/#/me/agenda");
}

static void t_pitch_placed(struct mb *m, const struct vals *v)
{
    enum lang l = m->lang;
    const char *p = or(v->project, ZH_EN(l, "您的项目", "your project"));
    subjectf(m, ZH_EN(l, "路演已排定：%s", "Pitch scheduled: %s"), p);
    paraf(m, ZH_EN(l, "「%s」的路演已安排如下，请提前到场准备。",
                   "The pitch of \"%s\" is scheduled as below; please arrive early."),
          p);
    field(m, ZH_EN(l, "场次", "Session"), v->session);
    time_fields(m, v);
    link(m, ZH_EN(l, "查看我的日程", "See my agenda"), "/#/me/agenda");
}

static void t_meeting(struct mb *m, const struct vals *v)
{
    enum lang l = m->lang;
    const char *c = or(v->counterpart, ZH_EN(l, "对方机构", "the other organization"));
    double table;
    char tb[32] = "";
    if (dnum(m->in->data, &table, "meeting.table", "meeting.table_no", "table_no", NULL))
        snprintf(tb, sizeof(tb), ZH_EN(l, "%.0f 号桌", "table %.0f"), table);
    bool cancelled = v->status && strcmp(v->status, "cancelled") == 0;
    if (strcmp(m->in->type, NOTIFY_MEETING_SCHEDULED) == 0) {
        subjectf(m, ZH_EN(l, "洽谈已安排：与 %s", "Meeting scheduled with %s"), c);
        paraf(m, ZH_EN(l, "您所在机构与「%s」的 1 对 1 洽谈已安排。",
                       "A 1:1 meeting of your organization with \"%s\" is scheduled."),
              c);
    } else if (cancelled) {
        subjectf(m, ZH_EN(l, "洽谈已取消：与 %s", "Meeting cancelled with %s"), c);
        paraf(m, ZH_EN(l, "您所在机构与「%s」的 1 对 1 洽谈已取消。",
                       "The 1:1 meeting of your organization with \"%s\" was cancelled."),
              c);
    } else {
        subjectf(m, ZH_EN(l, "洽谈变更：与 %s", "Meeting moved: with %s"), c);
        paraf(m, ZH_EN(l, "您所在机构与「%s」的 1 对 1 洽谈时间或桌号有变化，新安排如下。",
                       "The time or table of your organization's 1:1 meeting with \"%s\" changed."
                       " The new arrangement:"),
              c);
    }
    if (!cancelled) {
        time_fields(m, v);
        field(m, ZH_EN(l, "桌号", "Table"), tb);
    }
    link(m, ZH_EN(l, "查看我的洽谈", "See my meetings"), "/#/me/meetings");
}

static void t_match(struct mb *m, const struct vals *v)
{
    enum lang l = m->lang;
    const cJSON *ps = jpath(m->in->data, "projects");
    const cJSON *p0 = cJSON_IsArray(ps) ? cJSON_GetArrayItem(ps, 0) : NULL;
    const cJSON *p1 = cJSON_IsArray(ps) ? cJSON_GetArrayItem(ps, 1) : NULL;
    const char *mine = or(dstr(p0, "title", NULL),
                          or(v->project, ZH_EN(l, "您的项目", "your project")));
    const char *other = or(dstr(p1, "title", NULL),
                           or(dstr(m->in->data, "counterpart.title", "other_project.title",
                                   "counterpart_project.title", "counterpart_title", NULL),
                              or(v->counterpart, ZH_EN(l, "对方项目", "the other project"))));
    subjectf(m, ZH_EN(l, "双向匹配：%s", "Mutual match: %s"), other);
    paraf(m, ZH_EN(l, "「%s」与「%s」互相表达了合作意向，现在可以预约 1 对 1 洽谈。",
                   "\"%s\" and \"%s\" are interested in each other: you can now book a 1:1"
                   " meeting."),
          mine, other);
    field(m, dstr(p0, "title", NULL) ? dstr(p0, "title", NULL) : "-",
          dstr(p0, "organization_name", NULL));
    field(m, dstr(p1, "title", NULL) ? dstr(p1, "title", NULL) : "-",
          dstr(p1, "organization_name", NULL));
    link(m, ZH_EN(l, "查看匹配", "See matches"), "/#/matches");
}

static void t_digest(struct mb *m, const struct vals *v)
{
    enum lang l = m->lang;
    const char *p = or(v->project, ZH_EN(l, "您的项目", "your project"));
    const cJSON *items = jpath(m->in->data, "items");
    if (!cJSON_IsArray(items))
        items = jpath(m->in->data, "recommendations");
    int n = cJSON_IsArray(items) ? cJSON_GetArraySize(items) : 0;
    subjectf(m, ZH_EN(l, "为「%s」推荐了 %d 个新的对接项目", "%2$d new matches for \"%1$s\""), p, n);
    paraf(m, ZH_EN(l, "根据「%s」的需求，我们发现了以下匹配度较高的新项目：",
                   "We found these new projects that fit \"%s\" well:"),
          p);
    const cJSON *it, *list = cJSON_IsArray(items) ? items : NULL;
    cJSON_ArrayForEach(it, list)
    {
        const char *title = or(dstr(it, "title", "project.title", "name", NULL), "?");
        const char *org = dstr(it, "project.organization_name", "organization.name", "org_name",
                               "organization", NULL);
        double score;
        char label[400];
        if (dnum(it, &score, "score", NULL))
            snprintf(label, sizeof(label), ZH_EN(l, "%s（匹配度 %.0f%%）", "%s (score %.0f%%)"),
                     title, score <= 1 ? score * 100 : score);
        else
            snprintf(label, sizeof(label), "%s", title);
        /* the reasons, joined */
        struct buf why;
        buf_init(&why);
        const cJSON *rs = jpath(it, "reasons"), *r;
        if (!cJSON_IsArray(rs))
            rs = NULL;
        cJSON_ArrayForEach(r, rs)
        {
            const char *t = cJSON_IsString(r) ? r->valuestring : dstr(r, "text", "label", NULL);
            if (t)
                buf_printf(&why, "%s%s", why.len ? ZH_EN(l, "；", "; ") : "", t);
        }
        if (org) {
            char *x = xasprintf("%s%s%s", org, why.len ? ZH_EN(l, "：", ": ") : "",
                                why.len ? why.p : "");
            field(m, label, x);
            free(x);
        } else {
            field(m, label, why.len ? why.p : "-");
        }
        buf_deinit(&why);
    }
    link(m, ZH_EN(l, "查看全部推荐", "See all recommendations"), "/#/matches");
}

static void t_results(struct mb *m, const struct vals *v)
{
    enum lang l = m->lang;
    const char *s = or(v->session, or(v->event, ZH_EN(l, "比赛", "the competition")));
    subjectf(m, ZH_EN(l, "比赛结果已公布：%s", "Results published: %s"), s);
    paraf(m, ZH_EN(l, "「%s」的比赛结果已公布。", "The results of \"%s\" are out."), s);
    double rank;
    if (dnum(m->in->data, &rank, "rank", "entry.rank", NULL)) {
        char rk[32];
        snprintf(rk, sizeof(rk), ZH_EN(l, "第 %.0f 名", "#%.0f"), rank);
        field(m, ZH_EN(l, "您的项目", "Your project"), v->project);
        field(m, ZH_EN(l, "名次", "Rank"), rk);
    }
    double sid;
    if (dnum(m->in->data, &sid, "session_id", "session.id", NULL)) {
        char path[64];
        snprintf(path, sizeof(path), "/#/screen/%.0f", sid);
        link(m, ZH_EN(l, "查看排行榜", "See the leaderboard"), path);
    } else {
        link(m, ZH_EN(l, "查看活动", "See the events"), "/#/events");
    }
}

static void t_invitation(struct mb *m, const struct vals *v)
{
    enum lang l = m->lang;
    const char *org = or(v->org, ZH_EN(l, "一家机构", "an organization"));
    const char *who = dstr(m->in->data, "invited_by.display_name", "invited_by.name",
                           "inviter.display_name", "invited_by_name", NULL);
    subjectf(m, ZH_EN(l, "邀请您加入「%s」", "Invitation to join \"%s\""), org);
    if (who)
        paraf(m, ZH_EN(l, "%s 邀请您加入机构「%s」。", "%s invited you to join \"%s\"."), who, org);
    else
        paraf(m, ZH_EN(l, "您被邀请加入机构「%s」。", "You are invited to join \"%s\"."), org);
    link(m, ZH_EN(l, "接受或拒绝邀请", "Accept or decline"), "/#/orgs");
}

static void t_reminder(struct mb *m, const struct vals *v)
{
    enum lang l = m->lang;
    const char *what =
        or(dstr(m->in->data, "title", "item.title", NULL),
           or(v->project, or(v->counterpart && jpath(m->in->data, "meeting") ? v->counterpart
                                                                               : NULL,
                             or(v->session, ZH_EN(l, "您的日程", "your next item")))));
    subjectf(m, ZH_EN(l, "即将开始：%s", "Starting soon: %s"), what);
    if (v->starts)
        paraf(m, ZH_EN(l, "提醒：「%s」将于 %s 开始。", "Reminder: \"%s\" starts at %s."), what,
              v->starts);
    else
        paraf(m, ZH_EN(l, "提醒：「%s」即将开始。", "Reminder: \"%s\" starts soon."), what);
    field(m, ZH_EN(l, "活动", "Event"), v->event);
    field(m, ZH_EN(l, "地点", "Place"), v->place);
    link(m, ZH_EN(l, "查看我的日程", "See my agenda"), "/#/me/agenda");
}

static void t_other(struct mb *m, const struct vals *v)
{
    enum lang l = m->lang;
    subjectf(m, ZH_EN(l, "新通知：%s", "New notification: %s"), m->in->type);
    time_fields(m, v);
    link(m, ZH_EN(l, "查看通知", "See notifications"), "/#/me/notifications");
}

void tmpl_render(const struct tmpl_in *in, struct tmpl_out *out)
{
    struct mb m = {.in = in, .lang = in->lang};
    buf_init(&m.text);
    buf_init(&m.html);
    enum lang l = in->lang;
    buf_printf(&m.html, "<!DOCTYPE html>\r\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
                        "</head>\r\n<body style=\"font-family:sans-serif;line-height:1.6\">\r\n",
               ZH_EN(l, "zh-CN", "en"));
    if (in->name && *in->name)
        paraf(&m, ZH_EN(l, "%s，您好：", "Hello %s,"), in->name);
    else
        para(&m, ZH_EN(l, "您好：", "Hello,"));
    struct vals v = {0};
    read_vals(&m, &v);
    const char *t = in->type;
    if (strncmp(t, "registration.", 13) == 0)
        t_registration(&m, &v);
    else if (strcmp(t, NOTIFY_EVENT_CANCELLED) == 0)
        t_event_cancelled(&m, &v);
    else if (strcmp(t, NOTIFY_SESSION_CHANGED) == 0)
        t_session_changed(&m, &v);
    else if (strcmp(t, NOTIFY_PITCH_PLACED) == 0)
        t_pitch_placed(&m, &v);
    else if (strncmp(t, "meeting.", 8) == 0)
        t_meeting(&m, &v);
    else if (strcmp(t, NOTIFY_MATCH_MUTUAL) == 0)
        t_match(&m, &v);
    else if (strcmp(t, NOTIFY_RECOMMENDATIONS_DIGEST) == 0)
        t_digest(&m, &v);
    else if (strcmp(t, NOTIFY_RESULTS_PUBLISHED) == 0)
        t_results(&m, &v);
    else if (strcmp(t, NOTIFY_ORG_INVITATION) == 0)
        t_invitation(&m, &v);
    else if (strcmp(t, NOTIFY_REMINDER) == 0)
        t_reminder(&m, &v);
    else
        t_other(&m, &v);
    end_table(&m);
    free(v.owned);
    /* the footer */
    buf_puts(&m.text, "--\n");
    buf_puts(&m.html, "<hr>\r\n<p style=\"color:#777;font-size:small\">");
    const char *auto_note = ZH_EN(l, "此邮件由 summitd 自动发送，请勿直接回复。",
                                  "Sent automatically by summitd; replies are not read.");
    buf_printf(&m.text, "%s\n", auto_note);
    mime_html_escape(&m.html, auto_note);
    if (!tmpl_transactional(t)) {
        char *url = xasprintf("%s/#/me/notifications", in->public_url ? in->public_url : "");
        const char *pref = ZH_EN(l, "不想再收到此类邮件？在通知设置中关闭：",
                                 "Rather not get these e-mails? Turn them off in your settings: ");
        buf_printf(&m.text, "%s%s\n", pref, url);
        buf_puts(&m.html, "<br>");
        mime_html_escape(&m.html, pref);
        buf_puts(&m.html, "<a href=\"");
        mime_html_escape(&m.html, url);
        buf_puts(&m.html, "\">");
        mime_html_escape(&m.html, url);
        buf_puts(&m.html, "</a>");
        free(url);
    }
    buf_puts(&m.html, "</p>\r\n</body></html>\r\n");
    out->subject = m.subject ? m.subject : xstrdup("summitd");
    size_t n;
    out->text = buf_take(&m.text, &n);
    out->html = buf_take(&m.html, &n);
    buf_deinit(&m.text);
    buf_deinit(&m.html);
}

void tmpl_out_free(struct tmpl_out *out)
{
    free(out->subject);
    free(out->text);
    free(out->html);
    memset(out, 0, sizeof(*out));
}
