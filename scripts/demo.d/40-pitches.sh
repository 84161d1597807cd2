# Pitches and the contest (项目路演、应用大赛): the roadshow's pitch session gets a timetable (one
# pitch placed by hand, the rest by the auto-scheduler, one presenter only free late in the
# morning), and the contest final gets criteria, entries, three judges (one harsh, one lenient),
# their scores and published results. Sourced by scripts/demo.sh (uses api, user, $ORGANIZER,
# $LEADER $INNOV $SEED, $SESSION_PITCH, $SESSION_CONTEST, $PRJ_*). Idempotent: repeats of pitches,
# criteria, entries and judges answer 409 and change nothing; the scheduler keeps what is placed;
# ids are read back from GET /sessions/{id}/competition; scores after publication answer 409.

# The roadshow day (its date in Chengdu: the session starts at 09:00 local, 01:00Z, same date).
# Times below are local Chengdu times (+08:00).
PITCH_DAY=$(api GET "/api/v1/sessions/$SESSION_PITCH" | jq -r .starts_at | cut -c1-10)
me_id() { api GET /api/v1/me "$1" | jq -r .id; }
LEADER_ID=$(me_id "$LEADER")
INNOV_ID=$(me_id "$INNOV")
SEED_ID=$(me_id "$SEED")

# pitch PROJECT PRESENTER MINUTES [FROM UNTIL] (HH:MM on the pitch day) -> id or empty if it exists
pitch() {
    local body
    body=$(jq -nc --argjson p "$1" --argjson u "$2" --argjson m "$3" \
        '{project_id:$p, presenter_user_id:$u, minutes:$m}')
    if [ -n "${4:-}" ]; then
        body=$(jq -c --arg f "${PITCH_DAY}T$4:00+08:00" --arg t "${PITCH_DAY}T$5:00+08:00" \
            '. + {available_from:$f, available_until:$t}' <<<"$body")
    fi
    api POST "/api/v1/sessions/$SESSION_PITCH/pitches" "$ORGANIZER" "$body" | jq -r '.id // empty'
}
FIRST=$(pitch "$PRJ_IIOT" "$LEADER_ID" 20)
NEW="$FIRST"
NEW+=$(pitch "$PRJ_IMAGING" "$INNOV_ID" 20)
NEW+=$(pitch "$PRJ_V2X" "$INNOV_ID" 15)
NEW+=$(pitch "$PRJ_VOICE" "$INNOV_ID" 15)
NEW+=$(pitch "$PRJ_CHIP" "$SEED_ID" 20 10:30 12:00)
NEW+=$(pitch "$PRJ_UAV" "$SEED_ID" 15 10:30 12:00)
# The keynote pitch opens the session, the scheduler places the rest (when this run added any:
# a second run changes nothing, not even the audit log).
if [ -n "$FIRST" ]; then
    api PUT "/api/v1/pitches/$FIRST/slot" "$ORGANIZER" "{\"starts_at\":\"${PITCH_DAY}T09:00:00+08:00\"}" >/dev/null
fi
if [ -n "$NEW" ]; then
    api POST "/api/v1/sessions/$SESSION_PITCH/pitches/schedule" "$ORGANIZER" >/dev/null
fi

# --- the contest final ---
JUDGE1=$(user judge1@demo.summitd "评委 刘教授（电子科技大学）" attendee)
JUDGE2=$(user judge2@demo.summitd "评委 周总（投资机构）" attendee)
JUDGE3=$(user judge3@demo.summitd "评委 吴主任（医院信息中心）" attendee)
for t in "$JUDGE1" "$JUDGE2" "$JUDGE3"; do
    api POST "/api/v1/sessions/$SESSION_CONTEST/judges" "$ORGANIZER" "{\"user_id\":$(me_id "$t")}" >/dev/null
done
criterion() {
    api POST "/api/v1/sessions/$SESSION_CONTEST/criteria" "$ORGANIZER" \
        "$(jq -nc --arg n "$1" --argjson w "$2" --argjson m "$3" '{name:$n, weight:$w, max_score:$m}')" >/dev/null
}
criterion "技术创新性" 0.4 10
criterion "应用价值与场景落地" 0.4 10
criterion "团队与商业模式" 0.2 10
for p in "$PRJ_IMAGING" "$PRJ_V2X" "$PRJ_VOICE" "$PRJ_CHIP" "$PRJ_UAV"; do
    api POST "/api/v1/sessions/$SESSION_CONTEST/entries" "$ORGANIZER" "{\"project_id\":$p}" >/dev/null
done
CONTEST=$(api GET "/api/v1/sessions/$SESSION_CONTEST/competition")
crit_id() { jq -r --arg n "$1" '.criteria[] | select(.name == $n) | .id' <<<"$CONTEST"; }
entry_id() { jq -r --argjson p "$1" '.entries[] | select(.project_id == $p) | .id' <<<"$CONTEST"; }
C1=$(crit_id "技术创新性")
C2=$(crit_id "应用价值与场景落地")
C3=$(crit_id "团队与商业模式")
# score JUDGE PROJECT S1 S2 S3 (an upsert; 409 once results are published)
score() {
    api PUT "/api/v1/entries/$(entry_id "$2")/scores" "$1" \
        "{\"scores\":{\"$C1\":$3,\"$C2\":$4,\"$C3\":$5}}" >/dev/null
}
# 刘教授 is harsh, 周总 lenient, 吴主任 in between and not on every entry.
score "$JUDGE1" "$PRJ_IMAGING" 7 8 6
score "$JUDGE1" "$PRJ_V2X" 6 6 5
score "$JUDGE1" "$PRJ_VOICE" 5 6 6
score "$JUDGE1" "$PRJ_CHIP" 7 4 4
score "$JUDGE2" "$PRJ_V2X" 9 9 9
score "$JUDGE2" "$PRJ_VOICE" 9 10 9
score "$JUDGE2" "$PRJ_CHIP" 10 8 8
score "$JUDGE2" "$PRJ_UAV" 8 8 9
score "$JUDGE3" "$PRJ_IMAGING" 9 9 8
score "$JUDGE3" "$PRJ_VOICE" 7 8 7
score "$JUDGE3" "$PRJ_UAV" 6 7 7
api POST "/api/v1/sessions/$SESSION_CONTEST/results/publish" "$ORGANIZER" >/dev/null
export PITCH_DAY
