# Accounts and organizations of the seed's tiers (领军 / 创新 / 种子), sectors and zones.
ORGANIZER=$(user organizer@demo.summitd "成都市新经济委 会务组" attendee)
ORGANIZER_ID=$(api GET /api/v1/me "$ORGANIZER" | jq -r .id)
api POST "/api/v1/users/$ORGANIZER_ID/roles" "$ADMIN" '{"role":"organizer"}' >/dev/null
ORGANIZER=$(login organizer@demo.summitd)
ATTENDEE=$(user attendee@demo.summitd "王小明" attendee)
LEADER=$(user leader@demo.summitd "华西智谷 李总" enterprise)
INNOV=$(user innovative@demo.summitd "蓉城视觉 张工" enterprise)
SEED=$(user seed@demo.summitd "天府芯语 陈博士" enterprise)

# org TOKEN NAME TIER SECTOR ZONE DESC -> id (the token's first organization of that name)
org() {
    local id
    id=$(api GET /api/v1/me "$1" | jq -r --arg n "$2" '.organizations[] | select(.name == $n) | .id' | head -1)
    if [ -z "$id" ]; then
        id=$(api POST /api/v1/organizations "$1" \
            "{\"name\":\"$2\",\"tier\":\"$3\",\"sector\":\"$4\",\"zone\":\"$5\",\"description\":\"$6\"}" | jq -r .id)
    fi
    echo "$id"
}
ORG_LEADER=$(org "$LEADER" "华西智谷医疗科技集团" leader 医疗健康 天府国际生物城 "医学影像辅助诊断与智慧医院整体解决方案")
ORG_LEADER2=$(org "$LEADER" "天府智造工业互联网有限公司" leader 智能制造 成都高新区 "工业互联网主题云平台与智能工厂改造")
ORG_INNOV=$(org "$INNOV" "蓉城视觉智能科技有限公司" innovative 交通物流 成都科学城 "机器视觉与车联网感知，服务智慧交通")
ORG_INNOV2=$(org "$INNOV" "锦江智能语音研究院" innovative 电子信息 天府新区 "智能语音、自然语言处理与语音翻译交互")
ORG_SEED=$(org "$SEED" "天府芯语类脑计算初创团队" seed 电子信息 成都科学城 "类脑芯片与低功耗智能终端")
ORG_SEED2=$(org "$SEED" "龙泉驿无人机应用工作室" seed 装备制造 龙泉驿区 "智能无人机巡检与物流配送")
export ORG_LEADER ORG_LEADER2 ORG_INNOV ORG_INNOV2 ORG_SEED ORG_SEED2
