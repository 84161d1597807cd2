#ifndef SUMMITD_HANDLERS_TICKETS_H
#define SUMMITD_HANDLERS_TICKETS_H

/* A registration's ticket: its check-in code as a QR code (libqrencode), drawn as SVG by the
 * server, for the holder, the event's organizer and admins (404 registration_not_found for
 * anyone else, as GET /registrations/{id}). Only a confirmed registration has a ticket: a
 * waitlisted or cancelled one answers 409 registration_not_confirmed (the message says which),
 * so that no code that cannot be checked in is ever shown at the door. */

struct req;

#include <stddef.h>

void tickets_svg(struct req *r); /* GET /api/v1/registrations/{id}/ticket.svg */

/* The SVG of a QR code of `text` (ECC level M, 4-module quiet zone, 8 px per module), or NULL
 * when libqrencode refuses it. Caller frees; *len set. */
char *tickets_qr_svg(const char *text, size_t *len);

#endif
