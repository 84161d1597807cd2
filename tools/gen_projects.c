/* gen_projects: writes N supply and N demand synthetic projects with planted true pairs.
 *
 *   gen_projects --n N --seed S [--true-fraction 0.3] [--format tsv|json]
 *
 * tsv: a header line, then one project per line: id, org_id, side, sector, zone, tags (joined
 * with '|'), budget_min, budget_max, stage, title, description, true_supply_id (demand rows
 * that are planted rewrites name their hidden supply project; 0 otherwise).
 * json: one JSON array of objects with the same fields. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matching/synth.h"

static void usage(void)
{
    fprintf(stderr, "usage: gen_projects --n N --seed S [--true-fraction F] [--format tsv|json]\n");
    exit(2);
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* TSV fields never contain tabs or newlines from the generator; replace them defensively. */
static void tsv_str(const char *s)
{
    for (; *s; s++)
        putchar(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

static void print_project(const struct match_project *p, int64_t truth, int json, int first)
{
    if (json) {
        printf("%s\n {\"id\": %" PRId64 ", \"org_id\": %" PRId64 ", \"side\": ", first ? "" : ",",
               p->id, p->org_id);
        json_str(match_side_name(p->side));
        printf(", \"sector\": ");
        json_str(p->sector);
        printf(", \"zone\": ");
        json_str(p->zone);
        printf(", \"tags\": [");
        for (size_t i = 0; i < p->ntags; i++) {
            if (i)
                printf(", ");
            json_str(p->tags[i]);
        }
        printf("], \"budget_min\": %" PRId64 ", \"budget_max\": %" PRId64 ", \"stage\": ",
               p->budget_min, p->budget_max);
        json_str(match_stage_name(p->stage));
        printf(", \"title\": ");
        json_str(p->title);
        printf(", \"description\": ");
        json_str(p->description);
        printf(", \"true_supply_id\": %" PRId64 "}", truth);
        return;
    }
    printf("%" PRId64 "\t%" PRId64 "\t%s\t", p->id, p->org_id, match_side_name(p->side));
    tsv_str(p->sector);
    putchar('\t');
    tsv_str(p->zone);
    putchar('\t');
    for (size_t i = 0; i < p->ntags; i++) {
        if (i)
            putchar('|');
        tsv_str(p->tags[i]);
    }
    printf("\t%" PRId64 "\t%" PRId64 "\t%s\t", p->budget_min, p->budget_max,
           match_stage_name(p->stage));
    tsv_str(p->title);
    putchar('\t');
    tsv_str(p->description);
    printf("\t%" PRId64 "\n", truth);
}

int main(int argc, char **argv)
{
    struct synth_params sp = {.seed = 1, .n = 0, .true_fraction = 0.3};
    int json = 0, have_n = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        uint64_t u;
        if (strcmp(a, "--n") == 0) {
            if (parse_u64(v, &u) || u == 0 || u > 100000000)
                usage();
            sp.n = (size_t)u;
            have_n = 1;
        } else if (strcmp(a, "--seed") == 0) {
            if (parse_u64(v, &u))
                usage();
            sp.seed = u;
        } else if (strcmp(a, "--true-fraction") == 0) {
            char *end;
            sp.true_fraction = strtod(v, &end);
            if (*end || end == v || !(sp.true_fraction >= 0.0 && sp.true_fraction <= 1.0))
                usage();
        } else if (strcmp(a, "--format") == 0) {
            if (strcmp(v, "json") == 0)
                json = 1;
            else if (strcmp(v, "tsv") == 0)
                json = 0;
            else
                usage();
        } else {
            usage();
        }
    }
    if (!have_n)
        usage();
    if (json)
        printf("[");
    else
        printf("id\torg_id\tside\tsector\tzone\ttags\tbudget_min\tbudget_max\tstage\ttitle\t"
               "description\ttrue_supply_id\n");
    static struct synth_project sp_out;
    int first = 1;
    for (int side = 0; side < 2; side++) {
        for (size_t i = 0; i < sp.n; i++) {
            int64_t truth = 0;
            synth_project(&sp, (enum match_side)side, i, &sp_out, &truth);
            print_project(&sp_out.p, truth, json, first);
            first = 0;
        }
    }
    if (json)
        printf("\n]\n");
    return fflush(stdout) == 0 ? 0 : 1;
}
