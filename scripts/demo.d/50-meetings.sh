# 1:1 matchmaking at the 交易会 forum day (供需对接): every demo organization exhibits, five more
# mutual matches join the one from 30-projects.sh, the organizer opens 1:1 meeting slots on the
# exhibition day and runs the scheduler. Sourced by scripts/demo.sh (uses api, at, $ORGANIZER,
# $LEADER $INNOV $SEED, $ORG_*, $PRJ_*, $EV_FORUM_DAY). Idempotent: exhibitors answer 409 on a
# repeat, interests are upserts, slots are created only when the event has none, and a re-run of
# the scheduler keeps the meetings already placed.

for o in "$ORG_LEADER" "$ORG_LEADER2" "$ORG_INNOV" "$ORG_INNOV2" "$ORG_SEED" "$ORG_SEED2"; do
    api POST "/api/v1/events/$EV_FORUM_DAY/exhibitors" "$ORGANIZER" "{\"organization_id\":$o}" >/dev/null
done

# mutual TOKEN_A PROJECT_A TOKEN_B PROJECT_B: both sides say interested
mutual() {
    interest "$1" "$2" "$4" interested
    interest "$3" "$4" "$2" interested
}
mutual "$INNOV" "$PRJ_VOICE" "$LEADER" "$PRJ_TRIAGE"       # 语音导诊 <-> 锦江智能语音
mutual "$SEED" "$PRJ_UAV" "$LEADER" "$PRJ_PATROL"          # 无人机巡检 <-> 天府智造
mutual "$SEED" "$PRJ_CHIP" "$INNOV" "$PRJ_INVEHICLE"       # 类脑芯片 <-> 车载终端
mutual "$LEADER" "$PRJ_IIOT" "$SEED" "$PRJ_FACTORY"        # 工业互联网 <-> 数字化车间
mutual "$INNOV" "$PRJ_IMAGING" "$LEADER" "$PRJ_DEFECT"     # 机器视觉 <-> 表面缺陷检测

# Twelve 20-minute slots with four tables on the exhibition day (day 31, 10:00-14:00 Chengdu time).
slots=$(api GET "/api/v1/events/$EV_FORUM_DAY/meeting-slots" "$ORGANIZER" | jq -r '.items | length')
if [ "${slots:-0}" = 0 ]; then
    api POST "/api/v1/events/$EV_FORUM_DAY/meeting-slots" "$ORGANIZER" \
        "{\"starts_at\":\"$(at 31 10:00)\",\"minutes\":20,\"count\":12,\"tables\":4}" >/dev/null
fi
plan=$(api POST "/api/v1/events/$EV_FORUM_DAY/meetings/schedule" "$ORGANIZER")
echo "demo: 1:1 meetings $(jq -r '"\(.scheduled_count) scheduled in \(.slots_used) slots (lower bound \(.lower_bound)), \(.unscheduled_count) unscheduled"' <<<"$plan")"
