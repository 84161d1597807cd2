#ifndef SUMMITD_HANDLERS_LOGIN_H
#define SUMMITD_HANDLERS_LOGIN_H

struct req;

void login_create(struct req *r); /* POST /api/v1/auth/login */
void login_delete(struct req *r); /* POST /api/v1/auth/logout */
/* POST /api/v1/auth/logout-all: ends every session of the caller, this one included. */
void login_delete_all(struct req *r);

#endif
