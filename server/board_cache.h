#ifndef SUMMITD_SERVER_BOARD_CACHE_H
#define SUMMITD_SERVER_BOARD_CACHE_H

/* A competition's leaderboard (matching/leaderboard.h), computed from MySQL and kept in Redis.
 *
 * Redis holds a sorted set `<prefix>lb:<session id>` (member "entry|raw_mean|judges", score =
 * the normalized score) tagged with the MySQL version it was computed from
 * (`<prefix>lb:<session id>:v`; competition_boards.version). Every change that moves the board
 * counts itself in its own transaction (board_bump) and rewrites Redis after its commit
 * (board_changed); a reader takes Redis only when it holds exactly the current version with
 * every entry, and otherwise recomputes from one MySQL snapshot and writes that back. A write
 * never replaces a newer version (a Lua script compares them), so two writers racing leave the
 * newer board. Redis holds nothing that cannot be recomputed: its errors cost speed, never the
 * request. */

#include <stddef.h>
#include <stdint.h>

#include "base/xalloc.h"

struct db;
struct req;
struct lb_row;

struct board {
    int64_t version;     /* competition_boards.version it was computed from (0: never changed) */
    struct lb_row *rows; /* n rows in rank order; owned, freed by board_deinit */
    size_t n;
};

/* Frees the rows; the board is empty afterwards (safe on a zeroed board). */
void board_deinit(struct board *b);

/* Counts a change that moves the board of session_id. Call inside the changing transaction.
 * 0 or SD_ERR_*. */
int board_bump(struct db *db, int64_t session_id) SD_MUST_CHECK;

/* The board of session_id, whose entries number n_entries as the caller read them: from Redis
 * when it is current, else recomputed (and written back). 0 and *out (release with
 * board_deinit), or -1 after replying (503 while MySQL is away, …). */
int board_read(struct req *r, int64_t session_id, size_t n_entries, struct board *out);

/* After a committed change of session_id's board: recomputes it into Redis. Best effort (a
 * failure is logged; the next reader recomputes); never replies. */
void board_changed(struct req *r, int64_t session_id);

#endif
