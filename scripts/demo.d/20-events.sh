# Events and sessions drawn from the seed plan (高峰论坛、项目路演、应用大赛、成果展示): a
# 全球创新创业交易会 AI forum day, a 项目路演 roadshow and an 应用大赛 competition, with sessions
# of every kind, exhibitors and a registration. Sourced by scripts/demo.sh (uses api, $ORGANIZER,
# $ATTENDEE, $ORG_*). Idempotent: events are found by title among the published ones, sessions
# by title within their event; repeats of exhibitors and registrations answer 409 and change
# nothing. Exports EV_FORUM_DAY EV_ROADSHOW EV_CONTEST and SESSION_* ids for later files.

# The demo's summits are in Chengdu: every time below is local Chengdu time (Asia/Shanghai,
# UTC+08:00 all year), sent with its offset; the server stores UTC and each event says its zone.
# at DAYS HH:MM -> RFC 3339 local Chengdu time, DAYS from today in Chengdu
at() { echo "$(TZ=Asia/Shanghai date -d "+$1 days" +%F)T$2:00+08:00"; }

# event TITLE KIND VENUE DAY0 DAYS DESC -> id (created and published when absent)
event() {
    local id
    id=$(api GET "/api/v1/events?city=%E6%88%90%E9%83%BD&limit=100" \
        | jq -r --arg t "$1" '.items[] | select(.title == $t) | .id' | head -1)
    if [ -z "$id" ]; then
        id=$(api POST /api/v1/events "$ORGANIZER" "$(jq -nc --arg t "$1" --arg k "$2" --arg v "$3" \
            --arg s "$(at "$4" 08:00)" --arg e "$(at "$(($4 + $5))" 18:00)" --arg d "$6" \
            '{title:$t, kind:$k, city:"成都", venue:$v, starts_at:$s, ends_at:$e, description:$d,
              time_zone:"Asia/Shanghai"}')" \
            | jq -r .id)
        [ -n "$id" ] && [ "$id" != null ] || { echo "demo: event $1 not created" >&2; return 1; }
        api POST "/api/v1/events/$id/publish" "$ORGANIZER" >/dev/null
    fi
    echo "$id"
}

# session EVENT TITLE KIND ROOM DAY START END CAPACITY WAITLIST -> id (created when absent)
session() {
    local id
    id=$(api GET "/api/v1/events/$1" | jq -r --arg t "$2" '.sessions[] | select(.title == $t) | .id' | head -1)
    if [ -z "$id" ]; then
        id=$(api POST "/api/v1/events/$1/sessions" "$ORGANIZER" "$(jq -nc --arg t "$2" --arg k "$3" \
            --arg r "$4" --arg s "$(at "$5" "$6")" --arg e "$(at "$5" "$7")" --argjson c "$8" \
            --argjson w "$9" '{title:$t, kind:$k, room:$r, starts_at:$s, ends_at:$e, capacity:$c, waitlist:$w}')" \
            | jq -r .id)
        [ -n "$id" ] && [ "$id" != null ] || { echo "demo: session $2 not created" >&2; return 1; }
    fi
    echo "$id"
}

EV_FORUM_DAY=$(event "全球创新创业交易会·人工智能高峰论坛日" summit "成都世纪城新国际会展中心" 30 1 \
    "聚焦人工智能与实体经济深度融合：高峰论坛、成果展示与供需对接。")
SESSION_FORUM=$(session "$EV_FORUM_DAY" "人工智能产业发展高峰论坛" forum "1号厅" 30 09:00 12:00 300 true)
SESSION_MED=$(session "$EV_FORUM_DAY" "智慧医疗与医学影像分论坛" forum "3号会议室" 30 14:00 17:00 120 true)
SESSION_EXPO=$(session "$EV_FORUM_DAY" "人工智能创新成果展示" exhibition "展区A" 31 09:00 17:00 500 false)

EV_ROADSHOW=$(event "人工智能应用场景项目路演（天府新区）" roadshow "天府新区创新中心" 45 0 \
    "面向“机会清单”的项目路演：领军、创新、种子企业同台展示，现场供需对接。")
SESSION_PITCH=$(session "$EV_ROADSHOW" "AI 应用项目路演专场" pitch "路演厅" 45 09:00 12:00 80 true)
SESSION_MATCH=$(session "$EV_ROADSHOW" "供需对接洽谈会" forum "洽谈区" 45 14:00 17:30 60 false)

EV_CONTEST=$(event "成都人工智能应用大赛·决赛" fair "成都高新区菁蓉汇" 60 1 \
    "应用大赛决赛：评委打分、成果展示与颁奖。")
SESSION_CONTEST=$(session "$EV_CONTEST" "应用大赛决赛评审" competition "主赛场" 60 09:00 17:00 200 true)
SESSION_SHOWCASE=$(session "$EV_CONTEST" "参赛作品展示" exhibition "展示区" 61 09:00 15:00 300 false)

for o in "$ORG_LEADER" "$ORG_LEADER2" "$ORG_INNOV"; do
    api POST "/api/v1/events/$EV_FORUM_DAY/exhibitors" "$ORGANIZER" "{\"organization_id\":$o}" >/dev/null
done
for o in "$ORG_INNOV2" "$ORG_SEED" "$ORG_SEED2"; do
    api POST "/api/v1/events/$EV_ROADSHOW/exhibitors" "$ORGANIZER" "{\"organization_id\":$o}" >/dev/null
done
api POST "/api/v1/sessions/$SESSION_FORUM/registrations" "$ATTENDEE" >/dev/null
api POST "/api/v1/sessions/$SESSION_PITCH/registrations" "$ATTENDEE" >/dev/null
export EV_FORUM_DAY EV_ROADSHOW EV_CONTEST SESSION_FORUM SESSION_MED SESSION_EXPO SESSION_PITCH \
    SESSION_MATCH SESSION_CONTEST SESSION_SHOWCASE
