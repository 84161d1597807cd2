/* GET /api/v1/registrations/{id}/ticket.svg: the check-in code as a QR code drawn by summitd.
 * The SVG is rendered to PNG (rsvg-convert, Debian librsvg2-bin) and scanned (zbarimg, Debian
 * zbar-tools): it must give back exactly the registration's check-in code, for the holder and
 * for the event's organizer. Anyone else gets 404 registration_not_found (as for a registration
 * that does not exist); a waitlisted registration has no ticket (409 registration_not_confirmed)
 * until it is promoted. */
#include "tests/integration/ev_fixtures.h"

IT_SUITE(ticket, 120);

/* Writes the body to a file, renders it at 4x, scans it; returns the decoded text (malloc'd),
 * or NULL. */
static char *scan(const struct it_resp *r)
{
    char svg[] = "/tmp/sd-ticket-XXXXXX";
    int fd = mkstemp(svg);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, r->body, r->body_len), (ssize_t)r->body_len);
    close(fd);
    char out[64];
    snprintf(out, sizeof(out), "%s.txt", svg);
    int rc = it_sh("rsvg-convert -z 2 -b white -f png -o %s.png %s && "
                   "zbarimg --quiet --raw -Sdisable -Sqrcode.enable %s.png > %s 2>/dev/null",
                   svg, svg, svg, out);
    char *text = NULL;
    if (rc == 0) {
        FILE *f = fopen(out, "r");
        cr_assert_not_null(f);
        char line[256] = "";
        if (fgets(line, sizeof(line), f)) {
            line[strcspn(line, "\r\n")] = '\0';
            text = strdup(line);
        }
        fclose(f);
    }
    it_sh("rm -f %s %s.png %s", svg, svg, out);
    return text;
}

static struct it_resp *ticket(const char *tok, int64_t reg)
{
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/registrations/%lld/ticket.svg", (long long)reg);
    return it_http(srv, "GET", path, tok, NULL, NULL);
}

static void assert_ticket_of(const char *tok, int64_t reg, const char *code, const char *who)
{
    struct it_resp *r = ticket(tok, reg);
    cr_assert_eq(r->status, 200, "%s: %d %s", who, r->status, r->body);
    char ct[128], cc[64];
    cr_assert_not_null(it_header(r, "Content-Type", ct, sizeof(ct)));
    cr_assert_str_eq(ct, "image/svg+xml; charset=utf-8");
    cr_assert_not_null(it_header(r, "Cache-Control", cc, sizeof(cc)));
    cr_assert_str_eq(cc, "no-store", "%s: a ticket is a secret", who);
    cr_assert(strncmp(r->body, "<svg ", 5) == 0, "%s: %.80s", who, r->body);
    cr_assert_null(strstr(r->body, code), "%s: the code is in the picture, not in the text", who);
    char *got = scan(r);
    cr_assert_not_null(got, "%s: zbarimg found no QR code in the ticket", who);
    cr_assert_str_eq(got, code, "%s: the QR code decodes to the check-in code", who);
    free(got);
    it_resp_free(r);
}

Test(ticket, qr_decodes_to_the_checkin_code_for_holder_and_organizer)
{
    int64_t org_id;
    char *org = it_organizer(srv, &org_id);
    int64_t eid = ev_event(srv, org, "全球创新创业交易会 ticket", true);
    int64_t sid = ev_session(srv, org, eid, 1, true, "");
    int64_t a_id, b_id;
    char *a = it_user(srv, "attendee", &a_id);
    char *b = it_user(srv, "attendee", &b_id);

    struct it_resp *r = ev_register(srv, a, sid, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "status"), "confirmed");
    int64_t ra = (int64_t)it_jnum(r, "id");
    char code[64];
    snprintf(code, sizeof(code), "%s", it_jstr(r, "checkin_code"));
    it_resp_free(r);
    cr_assert_eq((int64_t)strlen(code),
                 it_sql_i64("SELECT CHAR_LENGTH(checkin_code) FROM registrations WHERE id = %lld",
                            (long long)ra));

    assert_ticket_of(a, ra, code, "holder");
    assert_ticket_of(org, ra, code, "organizer");
    char *admin = it_admin(srv);
    assert_ticket_of(admin, ra, code, "admin");

    /* b is waitlisted: no ticket yet; others' tickets are not b's to see. */
    r = ev_register(srv, b, sid, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "status"), "waitlisted");
    int64_t rb = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    r = ticket(b, rb);
    cr_assert_eq(r->status, 409, "waitlisted: %d %s", r->status, r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "registration_not_confirmed");
    it_resp_free(r);
    r = ticket(b, ra);
    cr_assert_eq(r->status, 404, "another attendee: %d", r->status);
    cr_assert_str_eq(it_jstr(r, "error.code"), "registration_not_found");
    it_resp_free(r);

    /* a cancels: b is promoted and has a ticket with b's own code; a's is gone (409). */
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/registrations/%lld", (long long)ra);
    it_expect(it_http(srv, "DELETE", path, a, NULL, NULL), 200, NULL, "cancel");
    r = ticket(a, ra);
    cr_assert_eq(r->status, 409, "cancelled: %d %s", r->status, r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "registration_not_confirmed");
    it_resp_free(r);
    char *bcode = it_sql("SELECT checkin_code FROM registrations WHERE id = %lld", (long long)rb);
    assert_ticket_of(b, rb, bcode, "promoted holder");
    free(bcode);
    free(admin);
    free(a);
    free(b);
    free(org);
}

Test(ticket, strangers_and_unknown_ids_get_404)
{
    char *org = it_organizer(srv, NULL);
    char *org2 = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "全球创新创业交易会 ticket 404", true);
    int64_t sid = ev_session(srv, org, eid, 10, true, "");
    char *a = it_user(srv, "attendee", NULL);
    char *other = it_user(srv, "attendee", NULL);
    char *ent = it_user(srv, "enterprise", NULL);
    struct it_resp *r = ev_register(srv, a, sid, NULL);
    cr_assert_eq(r->status, 201);
    int64_t reg = (int64_t)it_jnum(r, "id");
    it_resp_free(r);

    const char *const strangers[] = {other, ent, org2};
    for (size_t i = 0; i < 3; i++) {
        r = ticket(strangers[i], reg);
        cr_assert_eq(r->status, 404, "stranger %zu: %d", i, r->status);
        cr_assert_str_eq(it_jstr(r, "error.code"), "registration_not_found");
        it_resp_free(r);
    }
    /* The same answer as for an id that does not exist: nothing leaks. */
    r = ticket(a, 999999999999LL);
    cr_assert_eq(r->status, 404);
    cr_assert_str_eq(it_jstr(r, "error.code"), "registration_not_found");
    it_resp_free(r);
    r = ticket(NULL, reg);
    cr_assert_eq(r->status, 401, "anonymous: %d", r->status);
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/registrations/abc/ticket.svg", a, NULL, NULL);
    cr_assert_eq(r->status, 404);
    it_resp_free(r);
    free(a);
    free(other);
    free(ent);
    free(org);
    free(org2);
}
