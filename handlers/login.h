#ifndef SUMMITD_HANDLERS_LOGIN_H
#define SUMMITD_HANDLERS_LOGIN_H

struct req;

void login_create(struct req *r); /* POST /api/v1/auth/login */
void login_delete(struct req *r); /* POST /api/v1/auth/logout */

#endif
