#ifndef SUMMITD_SERVER_LIMITS_H
#define SUMMITD_SERVER_LIMITS_H

/* The limits of every text a client sends, in one place, in characters AND in bytes.
 *
 * Characters are Unicode code points: what a person counts, and what MySQL's VARCHAR(n) counts
 * on utf8mb4 columns. Bytes are the UTF-8 encoding: what C buffers, Redis keys, index terms and
 * TEXT columns (65,535 bytes) hold. One character takes 1 to 4 bytes (CJK 3, emoji 4), so a
 * check in characters alone lets 250 CJK characters through as 750 bytes: every field below has
 * both, and code that copies a field into a fixed buffer sizes it from max_bytes.
 *
 * Rules: max_bytes <= 4 x max_chars (4 x is "no tighter byte cap than the characters imply");
 * a VARCHAR(n) column takes max_chars <= n; a TEXT column takes max_bytes <= 65,535 (and a
 * JSON array in TEXT its worst-case printed size). tests/unit/test_json.c checks these.
 *
 * Use: json_text(r, body, "title", true, LIMIT_EVENT_TITLE, &title) for a body field,
 * req_query_text(r, "city", false, LIMIT_CITY, &city) for a query parameter. */

#include "server/json.h"

#define LIMIT_TEXT(min_chars, max_chars, max_bytes, multiline)                                     \
    (&(const struct text_limit){(min_chars), (max_chars), (max_bytes), (multiline)})

/* ---- accounts (users.email, email_lower VARCHAR(254); display_name VARCHAR(100)) ---- */
/* An address is at most 254 octets (RFC 5321 4.5.3.1); 254 bytes also bounds any copy of it. */
#define LIMIT_EMAIL LIMIT_TEXT(3, 254, 254, false)
#define LIMIT_LOGIN_EMAIL LIMIT_TEXT(1, 254, 254, false)
/* Hashed, never stored: 128 characters, at most 384 bytes (128 CJK characters); crypt_r refuses
 * a passphrase over 511 bytes (libxcrypt's CRYPT_MAX_PASSPHRASE_SIZE, 512 with the NUL). */
#define LIMIT_PASSWORD LIMIT_TEXT(8, 128, 384, false)
#define LIMIT_LOGIN_PASSWORD LIMIT_TEXT(1, 128, 384, false)
#define LIMIT_DISPLAY_NAME LIMIT_TEXT(1, 100, 400, false)
/* What a person shares with the other side of a mutual match or a meeting (PATCH /me; users.
 * contact_email VARCHAR(254), contact_phone VARCHAR(32), contact_wechat VARCHAR(64)); each also
 * has a format (handlers/users.c): an address, a phone number of 5 to 20 digits, a WeChat ID. */
#define LIMIT_CONTACT_EMAIL LIMIT_TEXT(3, 254, 254, false)
#define LIMIT_CONTACT_PHONE LIMIT_TEXT(5, 32, 32, false)
#define LIMIT_CONTACT_WECHAT LIMIT_TEXT(6, 20, 20, false)

/* ---- organizations (name VARCHAR(200), sector/zone VARCHAR(64), description TEXT) ---- */
#define LIMIT_ORG_NAME LIMIT_TEXT(1, 200, 800, false)
#define LIMIT_SECTOR LIMIT_TEXT(1, 64, 256, false) /* organizations and projects */
#define LIMIT_ZONE LIMIT_TEXT(0, 64, 256, false)   /* organizations and projects */
#define LIMIT_ORG_DESCRIPTION LIMIT_TEXT(0, 5000, 20000, true)

/* ---- events and sessions (title/venue VARCHAR(200), city VARCHAR(64), room VARCHAR(100),
 *      description TEXT) ---- */
#define LIMIT_EVENT_TITLE LIMIT_TEXT(1, 200, 800, false)
#define LIMIT_CITY LIMIT_TEXT(1, 64, 256, false)
#define LIMIT_VENUE LIMIT_TEXT(0, 200, 800, false)
#define LIMIT_EVENT_DESCRIPTION LIMIT_TEXT(0, 10000, 40000, true)
#define LIMIT_SESSION_TITLE LIMIT_TEXT(1, 200, 800, false)
#define LIMIT_ROOM LIMIT_TEXT(0, 100, 400, false)

/* ---- projects (title VARCHAR(200), description TEXT, tags TEXT as a JSON array) ---- */
#define LIMIT_PROJECT_TITLE LIMIT_TEXT(1, 200, 800, false)
#define LIMIT_PROJECT_DESCRIPTION LIMIT_TEXT(0, 5000, 20000, true)
/* A tag as sent, before trimming and folding (an empty one is refused as "is empty"). After
 * normalization a tag has 1..TOK_TAG_MAX_CHARS (32) characters, at most TOK_TAG_MAX_BYTES (128)
 * bytes, and a project at most MATCH_TAGS_MAX (20) tags: project_tags.tag is VARCHAR(64) and the
 * printed array at most 20 x (2 x 128 + 3) bytes, far below TEXT's 65,535. */
#define LIMIT_TAG_INPUT LIMIT_TEXT(0, 64, 256, false)

/* ---- competitions (competition_criteria.name VARCHAR(100)) ---- */
#define LIMIT_CRITERION_NAME LIMIT_TEXT(1, 100, 400, false)

/* ---- check-in (registrations.checkin_code VARCHAR(32); codes are ASCII) ---- */
#define LIMIT_CHECKIN_CODE LIMIT_TEXT(1, 64, 64, false)

/* ---- webhooks (webhook_endpoints.url VARCHAR(2048)): printable ASCII only (handlers/webhooks.c
 * refuses the rest: percent-encode it), so characters are bytes ---- */
#define LIMIT_WEBHOOK_URL LIMIT_TEXT(10, 2048, 2048, false)

/* ---- query parameters ---- */
#define LIMIT_QUERY_Q LIMIT_TEXT(0, 200, 800, false) /* GET /projects?q= */
#define LIMIT_QUERY_TAG LIMIT_TEXT(0, 64, 256, false)
#define LIMIT_QUERY_SECTOR LIMIT_TEXT(0, 64, 256, false)
#define LIMIT_QUERY_ZONE LIMIT_TEXT(0, 64, 256, false)
#define LIMIT_QUERY_CITY LIMIT_TEXT(0, 64, 256, false)
#define LIMIT_QUERY_ID LIMIT_TEXT(0, 20, 20, false) /* ?organization_id=, then parsed */
/* Everywhere: cursors are opaque tokens of server/paging.h (at most 63 bytes); every query
 * parameter and every header value is UTF-8 without control characters (server/server.c), a
 * query string decodes without NUL; headers together at most 16 KiB (evhttp). */

/* ---- headers ---- */
/* Idempotency-Key: 1..255 bytes of printable ASCII (a Structured Fields sf-string). */
#define LIMIT_IDEMPOTENCY_KEY_BYTES 255

#endif
