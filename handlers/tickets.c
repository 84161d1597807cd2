#include "handlers/tickets.h"

#include <qrencode.h>
#include <stdio.h>
#include <string.h>

#include "server/access.h"
#include "server/buf.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/reqdb.h"

#define QUIET 4  /* modules of white around the code (ISO/IEC 18004) */
#define MODULE 8 /* px per module at the SVG's natural size */

char *tickets_qr_svg(const char *text, size_t *len)
{
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q)
        return NULL;
    int w = q->width, size = w + 2 * QUIET;
    struct buf b;
    buf_init(&b);
    buf_printf(&b,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
               "height=\"%d\" shape-rendering=\"crispEdges\" role=\"img\">"
               "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
               size, size, size * MODULE, size * MODULE, size, size);
    /* One path: each run of dark modules of a row is one rectangle. */
    for (int y = 0; y < w; y++) {
        for (int x = 0; x < w;) {
            if (!(q->data[y * w + x] & 1)) {
                x++;
                continue;
            }
            int x0 = x;
            while (x < w && (q->data[y * w + x] & 1))
                x++;
            buf_printf(&b, "M%d %dh%dv1h-%dz", x0 + QUIET, y + QUIET, x - x0, x - x0);
        }
    }
    buf_printf(&b, "\"/></svg>\n");
    QRcode_free(q);
    return buf_take(&b, len);
}

enum { T_STATUS, T_CODE };

void tickets_svg(struct req *r)
{
    int64_t id;
    struct registration_ref reg;
    struct db_res res;
    if (req_param_id(r, 0, &id) < 0 || access_registration(r, id, &reg) < 0 ||
        req_exec(r, &res, "SELECT status, checkin_code FROM registrations WHERE id = ?", "i",
                 id) < 0)
        return;
    if (!res.nrows) { /* cancelled and gone between the two reads: as for anyone */
        db_res_clear(&res);
        reply_error(r, SD_ERR_NOT_FOUND, "registration_not_found", NULL, "no registration %lld",
                    (long long)id);
        return;
    }
    char status[16], code[64];
    snprintf(status, sizeof(status), "%s", db_get(&res, 0, T_STATUS));
    snprintf(code, sizeof(code), "%s", db_get(&res, 0, T_CODE));
    db_res_clear(&res);
    if (strcmp(status, "confirmed") != 0) {
        reply_error(r, SD_ERR_CONFLICT, "registration_not_confirmed", NULL,
                    "only a confirmed registration has a ticket (this one is %s)", status);
        return;
    }
    size_t len;
    char *svg = tickets_qr_svg(code, &len);
    if (!svg) {
        reply_error(r, SD_ERR_INTERNAL, NULL, NULL, "internal error (request %s)", r->id);
        return;
    }
    reply_body(r, 200, "image/svg+xml; charset=utf-8", svg, len);
}
