# Notifications: a waitlist promotion whose e-mail lands in the local SMTP server's Maildir
# (var/mail/new/, see README "Notification delivery and e-mail"). A closed-door session of one
# seat: a guest takes it, attendee@demo.summitd waits, the guest cancels, and the attendee is
# promoted (registration.promoted: in the feed and by e-mail, with the ticket and the .ics).
# Sourced by scripts/demo.sh after 20-events.sh. On a rerun the seat is the attendee's already:
# the guest's new registration waits and its cancellation promotes nobody.
GUEST=$(user guest@demo.summitd "刘嘉宾" attendee)
SESSION_VIP=$(session "$EV_FORUM_DAY" "人工智能产业闭门交流会" forum "贵宾室" 30 16:00 17:30 1 true)
GUEST_REG=$(api POST "/api/v1/sessions/$SESSION_VIP/registrations" "$GUEST" | jq -r '.id // .registration.id // empty')
api POST "/api/v1/sessions/$SESSION_VIP/registrations" "$ATTENDEE" >/dev/null
[ -n "$GUEST_REG" ] && api DELETE "/api/v1/registrations/$GUEST_REG" "$GUEST" >/dev/null
export SESSION_VIP
