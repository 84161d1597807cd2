#include "matching/synth.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* ---- vocabulary (from the seed document, plus a few common neighbours) ---- */

struct sector {
    const char *name;
    const char *scenarios[8];
    int techniques[6]; /* indices into techniques[], -1 = none */
};

static const char *const techniques[] = {
    "机器视觉",   "智能语音", "自然语言处理", "医学影像",     "智能芯片",     "类脑计算",
    "无人机",     "车联网",   "工业互联网",   "智能机器人",   "机器学习",     "人机交互",
    "智能传感器", "智能超算", "智能终端",     "智慧交通",     "智能网联汽车", "服务机器人",
    "工业机器人", "增材制造", "数控机床",     "视频图像识别", "辅助诊断",     "语音翻译",
    "大数据",     "5g",       "vr/ar",        "超高清视频",   "集成电路",     "fpga",
    "边缘计算",   "知识图谱", "数字孪生",     "asic",
};
#define NTECH (sizeof(techniques) / sizeof(techniques[0]))

static const struct sector sectors[] = {
    {"医疗健康",
     {"医学影像分析", "临床诊疗决策", "健康管理", "智慧健康养老", "智能康复", "病理切片筛查",
      "远程问诊", "脑科学研究"},
     {3, 22, 5, 10, 17, 2}},
    {"交通物流",
     {"无人机自主控制", "无人物流配送", "远程作业", "综合智能交通管控", "智能网联汽车封闭测试",
      "港口集装箱调度", "仓储分拣", "车路协同"},
     {6, 7, 15, 16, 0, 30}},
    {"智能制造",
     {"数字化车间", "智能工厂", "柔性化改造", "工艺流程智能化升级", "设备预测性维护",
      "产品表面缺陷检测", "工业大数据分析", "能耗优化"},
     {8, 0, 18, 32, 24, 12}},
    {"电子信息",
     {"芯片设计验证", "集成电路测试", "智能终端研发", "超高清视频处理", "信号处理", "物联网网关",
      "数据中心运维", "网络安全监测"},
     {4, 28, 29, 14, 27, 33}},
    {"装备制造",
     {"高档数控机床", "工业机器人装配", "航空零部件检测", "焊接质量检测", "增材制造工艺",
      "智能装备运维", "产线自动化", "远程运维"},
     {20, 18, 19, 0, 8, 32}},
    {"新型材料",
     {"材料配方优化", "新材料性能预测", "复合材料检测", "生产过程监控", "晶体结构分析",
      "涂层缺陷识别", "材料寿命评估", "实验数据管理"},
     {10, 0, 24, 13, 31, 12}},
    {"绿色食品",
     {"农产品分级", "食品安全溯源", "冷链物流监控", "智慧农业种植", "病虫害识别", "食品包装检测",
      "产量预测", "品质检测"},
     {0, 24, 6, 12, 10, 30}},
    {"教育",
     {"智能阅卷", "个性化学习推荐", "课堂行为分析", "语音评测", "在线答疑", "职业技能培训",
      "校园安全管理", "教学质量评估"},
     {2, 1, 0, 31, 11, 26}},
    {"金融",
     {"智能风控", "反欺诈", "信贷审批", "智能客服", "票据识别", "保险理赔", "合规审查", "投资研究"},
     {10, 2, 31, 1, 0, 24}},
    {"政务",
     {"政务服务智能问答", "城市治理", "公共数据开放", "信用评价", "智慧园区运营", "应急管理",
      "公文处理", "市民热线分析"},
     {2, 24, 1, 21, 31, 32}},
    {"旅游",
     {"景区客流预测", "智能导览", "旅游推荐", "语音翻译交互", "文物数字化", "酒店服务", "景区安防",
      "游客画像"},
     {23, 26, 10, 17, 21, 24}},
    {"能源",
     {"电网巡检", "负荷预测", "光伏运维", "能源互联网调度", "油气管道监测", "变电站巡视",
      "储能管理", "碳排放核算"},
     {6, 10, 8, 30, 32, 0}},
};
#define NSECTOR (sizeof(sectors) / sizeof(sectors[0]))

static const char *const zones[] = {
    "成都科学城",
    "天府国际生物城",
    "成都医学城",
    "新川国际AI中心",
    "菁蓉人工智能小镇",
    "西部电子信息产业核心功能区",
    "天府新区智能制造产业功能区",
    "龙潭智能终端与大数据服务总部集聚区",
    "成都高新区",
    "天府新区",
    "龙泉驿",
    "环华西人南医疗医美服务产业功能区",
    "成都智能家居与大数据应用产业功能区",
};
#define NZONE (sizeof(zones) / sizeof(zones[0]))

static const char *const partners[] = {
    "电子科大",
    "四川大学",
    "西南交大",
    "华西医院",
    "中科院成都科学研究中心",
    "成都无人机应用技术研究院",
    "川哈工机器人与智能装备产业研究院",
    "清华四川能源互联网研究院",
    "科大讯飞成都研究院",
    "中德智能网联汽车测试基地",
    "四川脑科学与类脑智能研究院",
    "腾盾天府智能技术研究院",
    "成信大",
    "西南财大",
    "四川农大",
};
#define NPARTNER (sizeof(partners) / sizeof(partners[0]))

static const char *const objects[] = {"系统", "平台",   "解决方案", "一体机", "算法模块",
                                      "终端", "云平台", "软件",     "装置",   "服务"};
#define NOBJECT (sizeof(objects) / sizeof(objects[0]))

/* Feature phrases; "%d" takes a number. Each has a reworded variant for rewrites. */
static const char *const features[][2] = {
    {"支持私有化部署", "可以本地私有化部署"},
    {"毫秒级响应", "响应时间在毫秒级"},
    {"识别准确率达到%d%%", "识别精度%d%%以上"},
    {"支持%d路视频并发", "可同时处理%d路视频"},
    {"提供标准API接口", "需要标准API接口"},
    {"兼容国产芯片", "适配国产芯片"},
    {"支持边缘端推理", "能在边缘端推理"},
    {"已在%d家单位落地", "在%d家单位有案例"},
    {"通过等保三级认证", "满足等保三级要求"},
    {"支持离线运行", "能够离线运行"},
    {"模型可持续迭代训练", "模型能够持续迭代"},
    {"配备可视化管理后台", "带可视化管理后台"},
    {"适配5G网络", "支持5G网络接入"},
    {"支持多语种", "覆盖多个语种"},
    {"日处理数据%d万条", "每天处理%d万条数据"},
    {"采用低功耗设计", "功耗较低"},
    {"核心算法自主可控", "算法自主可控"},
    {"提供二次开发接口", "开放二次开发接口"},
    {"支持云边协同", "云端与边缘协同"},
    {"支持小样本学习", "小样本即可训练"},
    {"具备故障自诊断能力", "可以自动诊断故障"},
    {"支持多模态数据融合", "融合多模态数据"},
    {"满足医疗器械注册要求", "符合医疗器械注册规范"},
    {"单台设备成本降低%d%%", "设备成本下降%d%%"},
    {"部署周期缩短至%d周", "%d周内完成部署"},
    {"支持7×24小时运行", "全天候运行"},
    {"数据全程加密传输", "数据传输全程加密"},
    {"检测速度每分钟%d件", "每分钟检测%d件"},
    {"定位精度达到厘米级", "厘米级定位精度"},
    {"续航时间超过%d小时", "续航%d小时以上"},
    {"支持三维建模与仿真", "具备三维建模仿真能力"},
    {"兼容主流工业协议", "支持常见工业协议"},
    {"误报率低于%d%%", "误报率控制在%d%%以内"},
    {"可接入现有业务系统", "能对接已有业务系统"},
    {"支持语音唤醒与打断", "语音可唤醒可打断"},
    {"提供全流程运维服务", "包含全流程运维"},
    {"模型体积小于%dMB", "模型不超过%dMB"},
    {"支持国产操作系统", "适配国产操作系统"},
    {"具备知识问答能力", "能够进行知识问答"},
    {"支持海量数据检索", "可检索海量数据"},
};
#define NFEATURE (sizeof(features) / sizeof(features[0]))

static const char brand_chars[][4] = {"天", "枢", "慧", "眼", "灵", "犀", "云", "图", "星",
                                      "河", "瞳", "锐", "鹰", "川", "蓉", "芯", "途", "达",
                                      "启", "明", "睿", "澜", "弈", "衡", "曜", "峰", "翼",
                                      "麒", "麟", "鲲", "鹏", "知", "行", "擎", "沃", "晟"};
#define NBRAND (sizeof(brand_chars) / sizeof(brand_chars[0]))

static const int64_t budget_steps[] = {5,   10,  20,  30,  50,  80,   100,
                                       150, 200, 300, 500, 800, 1000, 2000}; /* 万 */
#define NBUDGET (sizeof(budget_steps) / sizeof(budget_steps[0]))

/* ---- RNG: splitmix64 streams ---- */

struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static size_t rng_below(struct rng *r, size_t n)
{
    return (size_t)(rng_next(r) % (uint64_t)n);
}

static double rng_unit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) / 9007199254740992.0;
}

static bool rng_chance(struct rng *r, double p)
{
    return rng_unit(r) < p;
}

static struct rng rng_stream(uint64_t seed, uint64_t a, uint64_t b)
{
    struct rng r = {seed ^ (a * 0xd1342543de82ef95ULL) ^ (b * 0x9e3779b97f4a7c15ULL)};
    rng_next(&r);
    r.s ^= rng_next(&r);
    return r;
}

/* ---- string building ---- */

struct sb {
    char *buf;
    size_t cap, len;
};

static void sb_add(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(struct sb *b, const char *fmt, ...)
{
    if (b->len + 1 >= b->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len += (size_t)n < b->cap - b->len ? (size_t)n : b->cap - b->len - 1;
}

/* Appends feature f (variant v); "%d" in the phrase becomes num, "%%" a percent sign. */
static void sb_feature(struct sb *b, size_t f, int v, int num)
{
    const char *p = features[f][v];
    char tmp[160];
    size_t o = 0;
    while (*p && o + 16 < sizeof(tmp)) {
        if (p[0] == '%' && p[1] == 'd') {
            o += (size_t)snprintf(tmp + o, sizeof(tmp) - o, "%d", num);
            p += 2;
        } else if (p[0] == '%' && p[1] == '%') {
            tmp[o++] = '%';
            p += 2;
        } else {
            tmp[o++] = *p++;
        }
    }
    tmp[o] = '\0';
    sb_add(b, "%s", tmp);
}

/* ---- the hidden "concept" of a supply project ---- */

#define NFEAT 4

struct concept {
    size_t sector, scenario, tech[2], object, partner, zone;
    size_t feat[NFEAT];
    int num[NFEAT];
    char brand[16];
    char model[16];
    size_t ntags;
    size_t tags[10];
    bool broad; /* a "one-stop" project: every scenario of its sector */
    int64_t bmin, bmax;
    enum match_stage stage;
    int64_t org;
};

static size_t pick_tech(struct rng *r, size_t sector)
{
    if (rng_chance(r, 0.75)) {
        size_t k = rng_below(r, 6);
        int t = sectors[sector].techniques[k];
        if (t >= 0)
            return (size_t)t;
    }
    return rng_below(r, NTECH);
}

static void wide_budget(struct rng *r, int64_t *lo, int64_t *hi);

static void random_budget(struct rng *r, int64_t *lo, int64_t *hi)
{
    double u = rng_unit(r);
    if (u < 0.15) { /* unknown */
        *lo = *hi = 0;
        return;
    }
    if (u < 0.25) {
        wide_budget(r, lo, hi);
        return;
    }
    size_t i = rng_below(r, NBUDGET - 2);
    size_t j = i + 1 + rng_below(r, 2);
    *lo = budget_steps[i] * 10000;
    *hi = budget_steps[j] * 10000;
}

/* Wide budgets (a "we do everything" range) and unknown ones, as real submissions have them. */
static void wide_budget(struct rng *r, int64_t *lo, int64_t *hi)
{
    size_t i = rng_below(r, 4);
    size_t j = i + 6 + rng_below(r, NBUDGET - 6 - i);
    *lo = budget_steps[i] * 10000;
    *hi = budget_steps[j] * 10000;
}

static int64_t org_count(size_t n)
{
    return (int64_t)(n / 3 + 2);
}

static const char *const tier_names[SYNTH_TIER_COUNT] = {"leader", "innovative", "seed",
                                                          "other"};

const char *synth_tier_name(enum synth_tier t)
{
    return (unsigned)t < SYNTH_TIER_COUNT ? tier_names[t] : "?";
}

enum synth_tier synth_org_tier(const struct synth_params *sp, int64_t org)
{
    struct rng r = rng_stream(sp->seed, 4, (uint64_t)org);
    double u = rng_unit(&r);
    return u < 0.03 ? SYNTH_TIER_LEADER
           : u < 0.15 ? SYNTH_TIER_INNOVATIVE
           : u < 0.60 ? SYNTH_TIER_SEED
                      : SYNTH_TIER_OTHER;
}

static void make_concept(const struct synth_params *sp, size_t i, struct concept *c)
{
    struct rng r = rng_stream(sp->seed, 1, i);
    memset(c, 0, sizeof(*c));
    c->sector = rng_below(&r, NSECTOR);
    c->scenario = rng_below(&r, 8);
    c->tech[0] = pick_tech(&r, c->sector);
    do
        c->tech[1] = pick_tech(&r, c->sector);
    while (c->tech[1] == c->tech[0]);
    c->object = rng_below(&r, NOBJECT);
    c->partner = rng_below(&r, NPARTNER);
    c->zone = rng_below(&r, NZONE);
    for (size_t k = 0; k < NFEAT; k++) {
        bool dup;
        do {
            c->feat[k] = rng_below(&r, NFEATURE);
            dup = false;
            for (size_t j = 0; j < k; j++)
                dup = dup || c->feat[j] == c->feat[k];
        } while (dup);
        c->num[k] = 2 + (int)rng_below(&r, 98);
    }
    size_t blen = 2 + rng_below(&r, 2), o = 0;
    for (size_t k = 0; k < blen; k++) {
        const char *ch = brand_chars[rng_below(&r, NBRAND)];
        memcpy(c->brand + o, ch, strlen(ch));
        o += strlen(ch);
    }
    c->brand[o] = '\0';
    snprintf(c->model, sizeof(c->model), "%c%c-%u", 'A' + (int)rng_below(&r, 26),
             'A' + (int)rng_below(&r, 26), (unsigned)(100 + rng_below(&r, 9900)));
    c->tags[0] = c->tech[0];
    c->tags[1] = c->tech[1];
    c->ntags = 2;
    size_t extra = rng_below(&r, 3);
    for (size_t k = 0; k < extra; k++) {
        size_t t = pick_tech(&r, c->sector);
        bool dup = false;
        for (size_t j = 0; j < c->ntags; j++)
            dup = dup || c->tags[j] == t;
        if (!dup)
            c->tags[c->ntags++] = t;
    }
    random_budget(&r, &c->bmin, &c->bmax);
    static const double stage_p[] = {0.1, 0.25, 0.35, 0.3};
    double u = rng_unit(&r), acc = 0.0;
    c->stage = MATCH_STAGE_PRODUCTION;
    for (int s = 0; s < 4; s++) {
        acc += stage_p[s];
        if (u < acc) {
            c->stage = (enum match_stage)s;
            break;
        }
    }
    c->org = 1 + (int64_t)rng_below(&r, (size_t)org_count(sp->n));
    /* Popularity: leaders publish "one-stop" projects (every scenario and technique of their
     * sector, a wide or unknown budget, in production); seeds are earlier-stage. */
    enum synth_tier tier = synth_org_tier(sp, c->org);
    static const double broad_p[SYNTH_TIER_COUNT] = {0.25, 0.04, 0.002, 0.005};
    if (tier == SYNTH_TIER_SEED && c->stage == MATCH_STAGE_PRODUCTION && rng_chance(&r, 0.5))
        c->stage = MATCH_STAGE_PROTOTYPE;
    if (rng_chance(&r, broad_p[tier])) {
        c->broad = true;
        c->stage = MATCH_STAGE_PRODUCTION;
        c->ntags = 0;
        for (size_t k = 0; k < 6; k++) {
            int t = sectors[c->sector].techniques[k];
            bool dup = false;
            for (size_t j = 0; j < c->ntags; j++)
                dup = dup || (int)c->tags[j] == t;
            if (t >= 0 && !dup)
                c->tags[c->ntags++] = (size_t)t;
        }
        static const size_t generic[] = {10, 24, 30}; /* 机器学习, 大数据, 边缘计算 */
        for (size_t k = 0; k < 3 && c->ntags < 10; k++) {
            bool dup = false;
            for (size_t j = 0; j < c->ntags; j++)
                dup = dup || c->tags[j] == generic[k];
            if (!dup)
                c->tags[c->ntags++] = generic[k];
        }
        if (rng_chance(&r, 0.3))
            c->bmin = c->bmax = 0;
        else
            wide_budget(&r, &c->bmin, &c->bmax);
    }
}

static void set_tags(struct synth_project *out, const size_t *tags, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        snprintf(out->tag_buf[k], sizeof(out->tag_buf[k]), "%s", techniques[tags[k]]);
        out->tag_ptrs[k] = out->tag_buf[k];
    }
    out->p.tags = out->tag_ptrs;
    out->p.ntags = n;
}

/* "Covers every scenario of the sector": what a one-stop project says of itself. */
static void sb_all_scenarios(struct sb *d, const struct concept *c)
{
    const struct sector *s = &sectors[c->sector];
    for (size_t k = 0; k < 8; k++)
        sb_add(d, "%s%s", k ? "、" : "", s->scenarios[k]);
    sb_add(d, "，技术涵盖");
    for (size_t k = 0; k < c->ntags; k++)
        sb_add(d, "%s%s", k ? "、" : "", techniques[c->tags[k]]);
    sb_add(d, "。");
}

static void emit_supply(const struct concept *c, int64_t id, struct synth_project *out)
{
    struct sb t = {out->title, sizeof(out->title), 0};
    struct sb d = {out->description, sizeof(out->description), 0};
    const struct sector *s = &sectors[c->sector];
    if (c->broad) {
        sb_add(&t, "%s%s行业一站式人工智能全栈%s", c->brand, s->name, objects[c->object]);
        sb_add(&d, "%s提供%s行业一站式人工智能服务，覆盖", c->brand, s->name);
        sb_all_scenarios(&d, c);
        sb_feature(&d, c->feat[0], 0, c->num[0]);
        sb_add(&d, "，");
        sb_feature(&d, c->feat[1], 0, c->num[1]);
        sb_add(&d, "。与%s联合研发。", partners[c->partner]);
    } else
    {
    sb_add(&t, "%s%s%s%s", c->brand, techniques[c->tech[0]], s->scenarios[c->scenario],
           objects[c->object]);
    sb_add(&d, "%s%s基于%s与%s技术，面向%s行业的%s场景。", c->brand, objects[c->object],
           techniques[c->tech[0]], techniques[c->tech[1]], s->name, s->scenarios[c->scenario]);
    sb_add(&d, "产品型号%s，", c->model);
    sb_feature(&d, c->feat[0], 0, c->num[0]);
    sb_add(&d, "，");
    sb_feature(&d, c->feat[1], 0, c->num[1]);
    sb_add(&d, "。与%s联合研发，", partners[c->partner]);
    sb_feature(&d, c->feat[2], 0, c->num[2]);
    sb_add(&d, "。已在%s开展试点应用，", zones[c->zone]);
    sb_feature(&d, c->feat[3], 0, c->num[3]);
    sb_add(&d, "。");
    }
    out->p.id = id;
    out->p.org_id = c->org;
    out->p.side = MATCH_SUPPLY;
    out->p.stage = c->stage;
    out->p.sector = s->name;
    out->p.zone = zones[c->zone];
    out->p.budget_min = c->bmin;
    out->p.budget_max = c->bmax;
    set_tags(out, c->tags, c->ntags);
}

static const char *const need_words[] = {"需求", "项目", "采购需求", "场景合作", "解决方案征集"};
static const char *const openers[] = {"我单位计划", "我们希望", "本项目拟", "公司计划", "园区拟"};

/* A demand written without a hidden supply: the same distribution of concepts. */
static void emit_demand_fresh(const struct concept *c, int64_t id, struct rng *r,
                              struct synth_project *out)
{
    struct sb t = {out->title, sizeof(out->title), 0};
    struct sb d = {out->description, sizeof(out->description), 0};
    const struct sector *s = &sectors[c->sector];
    if (c->broad) {
        sb_add(&t, "%s行业全场景人工智能%s", s->name, need_words[rng_below(r, 5)]);
        sb_add(&d, "%s征集%s行业全场景人工智能合作，包括", openers[rng_below(r, 5)], s->name);
        sb_all_scenarios(&d, c);
    } else {
    sb_add(&t, "%s%s%s", s->scenarios[c->scenario], techniques[c->tech[0]],
           need_words[rng_below(r, 5)]);
    sb_add(&d, "%s在%s场景引入%s技术，", openers[rng_below(r, 5)], s->scenarios[c->scenario],
           techniques[c->tech[0]]);
    sb_add(&d, "要求");
    sb_feature(&d, c->feat[0], 1, c->num[0]);
    sb_add(&d, "，");
    sb_feature(&d, c->feat[1], 1, c->num[1]);
    sb_add(&d, "。项目地点位于%s，属于%s领域。", zones[c->zone], s->name);
    }
    out->p.id = id;
    out->p.org_id = c->org;
    out->p.side = MATCH_DEMAND;
    out->p.stage = c->stage;
    out->p.sector = s->name;
    out->p.zone = zones[c->zone];
    out->p.budget_min = c->bmin;
    out->p.budget_max = c->bmax;
    set_tags(out, c->tags, c->ntags);
}

/* A noisy rewrite of supply concept c, from the demand side. */
static void emit_demand_rewrite(const struct synth_params *sp, const struct concept *c, int64_t id,
                                struct rng *r, struct synth_project *out)
{
    struct sb t = {out->title, sizeof(out->title), 0};
    struct sb d = {out->description, sizeof(out->description), 0};
    size_t sector = rng_chance(r, 0.9) ? c->sector : rng_below(r, NSECTOR);
    const struct sector *s = &sectors[c->sector];
    const char *object = rng_chance(r, 0.6) ? objects[c->object] : objects[rng_below(r, NOBJECT)];
    sb_add(&t, "寻求%s%s%s", s->scenarios[c->scenario], techniques[c->tech[0]], object);
    sb_add(&d, "%s在%s场景引入%s方案", openers[rng_below(r, 5)], s->scenarios[c->scenario],
           techniques[c->tech[0]]);
    if (rng_chance(r, 0.6))
        sb_add(&d, "，最好结合%s", techniques[c->tech[1]]);
    sb_add(&d, "。期望");
    /* Keep each feature with probability 0.75, in a rotated order, half of them reworded;
     * numbers drift a little. */
    size_t start = rng_below(r, NFEAT), kept = 0;
    for (size_t k = 0; k < NFEAT; k++) {
        size_t f = (start + k) % NFEAT;
        if (!rng_chance(r, 0.75))
            continue;
        if (kept++)
            sb_add(&d, "，");
        int num = c->num[f];
        if (rng_chance(r, 0.3))
            num += (int)rng_below(r, 5) - 2;
        sb_feature(&d, c->feat[f], rng_chance(r, 0.5) ? 1 : 0, num);
    }
    if (!kept)
        sb_feature(&d, c->feat[0], 1, c->num[0]);
    sb_add(&d, "。");
    if (rng_chance(r, 0.5))
        sb_add(&d, "希望供应商与%s有合作经验。", partners[c->partner]);
    if (rng_chance(r, 0.3))
        sb_add(&d, "曾了解过%s的产品。", c->brand);
    if (rng_chance(r, 0.2))
        sb_add(&d, "参考型号%s。", c->model);
    size_t zone = rng_chance(r, 0.4) ? c->zone : rng_below(r, NZONE);
    sb_add(&d, "项目落地在%s。", zones[zone]);

    size_t tags[MATCH_TAGS_MAX], nt = 0;
    for (size_t k = 0; k < c->ntags; k++)
        if (k < 1 || rng_chance(r, 0.8))
            tags[nt++] = c->tags[k];
    if (rng_chance(r, 0.3)) {
        size_t x = pick_tech(r, c->sector);
        bool dup = false;
        for (size_t j = 0; j < nt; j++)
            dup = dup || tags[j] == x;
        if (!dup)
            tags[nt++] = x;
    }
    int64_t lo = c->bmin, hi = c->bmax;
    if (hi > 0) {
        lo = (int64_t)((double)lo * (0.6 + 0.6 * rng_unit(r))) / 10000 * 10000;
        hi = (int64_t)((double)hi * (0.8 + 0.7 * rng_unit(r))) / 10000 * 10000;
        if (hi < lo)
            hi = lo;
    }
    int st = (int)c->stage + (int)rng_below(r, 3) - 1;
    st = st < 0 ? 0 : st > 3 ? 3 : st;
    int64_t org = 1 + (int64_t)rng_below(r, (size_t)org_count(sp->n));
    if (org == c->org)
        org = org % org_count(sp->n) + 1;

    out->p.id = id;
    out->p.org_id = org;
    out->p.side = MATCH_DEMAND;
    out->p.stage = (enum match_stage)st;
    out->p.sector = sectors[sector].name;
    out->p.zone = zones[zone];
    out->p.budget_min = lo;
    out->p.budget_max = hi;
    set_tags(out, tags, nt);
}

void synth_project(const struct synth_params *sp, enum match_side side, size_t i,
                   struct synth_project *out, int64_t *true_supply_id)
{
    memset(&out->p, 0, sizeof(out->p));
    out->title[0] = out->description[0] = '\0';
    out->p.title = out->title;
    out->p.description = out->description;
    if (true_supply_id)
        *true_supply_id = 0;
    struct concept c;
    if (side == MATCH_SUPPLY) {
        make_concept(sp, i, &c);
        emit_supply(&c, (int64_t)i + 1, out);
        return;
    }
    int64_t id = (int64_t)(sp->n + i) + 1;
    struct rng r = rng_stream(sp->seed, 2, i);
    if (sp->n > 0 && rng_chance(&r, sp->true_fraction)) {
        /* Skewed suitability: some projects truly suit many counterparts (P(target < x) =
         * sqrt(x / n)), most suit few. */
        double u = rng_unit(&r);
        size_t target = (size_t)((double)sp->n * u * u);
        if (target >= sp->n)
            target = sp->n - 1;
        make_concept(sp, target, &c);
        emit_demand_rewrite(sp, &c, id, &r, out);
        if (true_supply_id)
            *true_supply_id = (int64_t)target + 1;
        return;
    }
    /* Fresh demand: a concept of its own (stream 3 keeps it apart from the supply concepts). */
    struct synth_params other = *sp;
    other.seed = sp->seed ^ 0x5bd1e995u;
    make_concept(&other, i, &c);
    emit_demand_fresh(&c, id, &r, out);
}
