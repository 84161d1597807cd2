#include "server/vocab.h"

#include <strings.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/query.h"
#include "base/xalloc.h"

#define ALIASES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The seed plan's key industries (电子信息、装备制造、医药健康、新型材料、绿色食品) and its
 * "AI+" application fields, plus 人工智能 itself and 会展 (the summits' own trade). */
static const struct vocab_term sectors[] = {
    {"ai", "人工智能", "Artificial intelligence", NULL},
    {"electronics", "电子信息", "Electronic information", NULL},
    {"equipment", "装备制造", "Equipment manufacturing", NULL},
    {"healthcare", "医疗健康", "Healthcare", ALIASES("健康医疗")},
    {"pharma", "医药健康", "Pharmaceuticals and health", NULL},
    {"materials", "新型材料", "New materials", ALIASES("新材料")},
    {"green_food", "绿色食品", "Green food", NULL},
    {"smart_manufacturing", "智能制造", "Smart manufacturing", NULL},
    {"industrial_internet", "工业互联网", "Industrial internet", NULL},
    {"transport_logistics", "交通物流", "Transport and logistics", ALIASES("交通", "物流")},
    {"connected_vehicles", "智能网联汽车", "Connected vehicles", ALIASES("车联网")},
    {"drones", "智能无人机", "Drones", ALIASES("无人机")},
    {"smart_terminals", "智能终端", "Smart terminals", ALIASES("智能家居")},
    {"big_data", "大数据", "Big data", NULL},
    {"exhibitions", "会展", "Conventions and exhibitions", NULL},
};

/* The plan's "1234N" carriers (一核、两轮、三园、四区) and the districts they lie in. */
static const struct vocab_term zones[] = {
    {"science_city", "成都科学城", "Chengdu Science City", NULL},
    {"xinchuan_ai", "新川国际AI中心", "Xinchuan International AI Center", NULL},
    {"jingrong_ai_town", "菁蓉人工智能小镇", "Jingrong AI Town", NULL},
    {"huaxi_rennan", "环华西人南医疗医美服务产业功能区", "Huaxi-Rennan Medical Services Zone",
     NULL},
    {"medical_city", "成都医学城", "Chengdu Medical City", NULL},
    {"tianfu_biotown", "天府国际生物城", "Tianfu International Bio-Town", NULL},
    {"west_electronics", "西部电子信息产业核心功能区", "Western Electronic Information Core Zone",
     NULL},
    {"smart_home_bigdata", "成都智能家居与大数据应用产业功能区", "Smart Home and Big Data Zone",
     NULL},
    {"tianfu_smart_mfg", "天府新区智能制造产业功能区", "Tianfu Smart Manufacturing Zone", NULL},
    {"longtan_terminals", "龙潭智能终端与大数据服务总部集聚区",
     "Longtan Smart Terminals and Big Data Cluster", NULL},
    {"hitech_zone", "成都高新区", "Chengdu Hi-tech Zone", ALIASES("高新区")},
    {"tianfu_new_area", "天府新区", "Tianfu New Area", NULL},
    {"longquanyi", "龙泉驿区", "Longquanyi District", NULL},
};

/* 领军企业、创新企业、种子企业 (the plan's 培育名录), and organizations that are none. */
static const struct vocab_term tiers[] = {
    {"leader", "领军企业", "Leading enterprise", ALIASES("领军")},
    {"innovative", "创新企业", "Innovative enterprise", ALIASES("创新")},
    {"seed", "种子企业", "Seed enterprise", ALIASES("种子")},
    {"other", "其他机构", "Other organization", ALIASES("其他")},
};

static const struct vocab_term stages[] = {
    {"idea", "创意", "Idea", NULL},
    {"prototype", "原型", "Prototype", NULL},
    {"pilot", "试点", "Pilot", NULL},
    {"production", "量产", "Production", NULL},
};

/* events.kind and sessions.kind (validated by their handlers; listed here for pickers). */
static const struct vocab_term event_kinds[] = {
    {"summit", "峰会", "Summit", NULL},
    {"roadshow", "项目路演", "Roadshow", NULL},
    {"fair", "交易会", "Fair", NULL},
};

static const struct vocab_term session_kinds[] = {
    {"forum", "高峰论坛", "Forum", NULL},
    {"pitch", "项目路演", "Pitch", NULL},
    {"competition", "应用大赛", "Competition", NULL},
    {"exhibition", "成果展示", "Exhibition", NULL},
};

static const struct {
    const char *key;
    const struct vocab_term *v;
    size_t n;
} vocabs[VOCAB_KINDS] = {
    [VOCAB_SECTOR] = {"sectors", sectors, SD_ARRAY_LEN(sectors)},
    [VOCAB_ZONE] = {"zones", zones, SD_ARRAY_LEN(zones)},
    [VOCAB_TIER] = {"tiers", tiers, SD_ARRAY_LEN(tiers)},
    [VOCAB_STAGE] = {"stages", stages, SD_ARRAY_LEN(stages)},
    [VOCAB_EVENT_KIND] = {"event_kinds", event_kinds, SD_ARRAY_LEN(event_kinds)},
    [VOCAB_SESSION_KIND] = {"session_kinds", session_kinds, SD_ARRAY_LEN(session_kinds)},
};

const char *vocab_key(enum vocab_kind k)
{
    return vocabs[k].key;
}

const struct vocab_term *vocab_terms(enum vocab_kind k, size_t *n)
{
    *n = vocabs[k].n;
    return vocabs[k].v;
}

const struct vocab_term *vocab_resolve(enum vocab_kind k, const char *s)
{
    if (!s)
        return NULL;
    for (size_t i = 0; i < vocabs[k].n; i++) {
        const struct vocab_term *t = &vocabs[k].v[i];
        if (strcasecmp(s, t->code) == 0 || strcmp(s, t->zh) == 0 || strcasecmp(s, t->en) == 0)
            return t;
        for (const char *const *a = t->aliases; a && *a; a++)
            if (strcmp(s, *a) == 0)
                return t;
    }
    return NULL;
}

const char *vocab_name(enum vocab_kind k, const char *code, enum lang lang)
{
    for (size_t i = 0; code && i < vocabs[k].n; i++)
        if (strcmp(code, vocabs[k].v[i].code) == 0)
            return lang == LANG_EN ? vocabs[k].v[i].en : vocabs[k].v[i].zh;
    return code ? code : "";
}

static int unknown(struct req *r, const char *field, enum vocab_kind k, const char *s)
{
    reply_error(r, SD_ERR_INVALID, "validation_failed", field,
                "%s \"%.64s\" is not a known code: see GET /api/v1/vocabularies (%s)", field, s,
                vocab_key(k));
    return -1;
}

int json_vocab(struct req *r, const cJSON *o, const char *field, bool required, enum vocab_kind k,
               bool empty_ok, const struct text_limit *lim, const char **code)
{
    const char *s;
    int rc = json_text(r, o, field, required, lim, &s);
    if (rc)
        return rc;
    if (!*s && empty_ok) {
        *code = "";
        return 0;
    }
    const struct vocab_term *t = vocab_resolve(k, s);
    if (!t)
        return unknown(r, field, k, s);
    *code = t->code;
    return 0;
}

int req_query_vocab(struct req *r, const char *name, enum vocab_kind k,
                    const struct text_limit *lim, const char **code)
{
    const char *s;
    int rc = req_query_text(r, name, false, lim, &s);
    if (rc)
        return rc;
    if (!*s)
        return 1; /* `sector=` as a form sends it: no filter */
    const struct vocab_term *t = vocab_resolve(k, s);
    if (!t)
        return unknown(r, name, k, s);
    *code = t->code;
    return 0;
}
