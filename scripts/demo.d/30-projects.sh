# Supply and demand projects of the demo organizations, drawn from the seed plan's vocabulary
# (医学影像辅助诊断、机器视觉、智能语音、车联网、工业互联网主题云平台、智能无人机、类脑芯片 …), so
# that a demo login gets sensible, explained recommendations; plus interests that make one
# mutual match (华西智谷's 肺结节 screening need <-> 蓉城视觉's imaging engine) and one pending
# interest. Sourced by scripts/demo.sh (uses api, $LEADER $INNOV $SEED, $ORG_*). Idempotent:
# projects are found by title within their organization; interests are upserts.
# Exports PRJ_* ids for later files.

# project TOKEN ORG SIDE TITLE SECTOR ZONE STAGE BUDGET_MIN BUDGET_MAX TAGS_CSV DESC -> id
project() {
    local id
    id=$(api GET "/api/v1/projects?organization_id=$2&limit=100" \
        | jq -r --arg t "$4" '.items[] | select(.title == $t) | .id' | head -1)
    if [ -z "$id" ]; then
        id=$(api POST /api/v1/projects "$1" "$(jq -nc --argjson o "$2" --arg side "$3" \
            --arg t "$4" --arg sec "$5" --arg z "$6" --arg st "$7" --argjson lo "$8" \
            --argjson hi "$9" --arg tags "${10}" --arg d "${11}" \
            '{organization_id:$o, side:$side, title:$t, sector:$sec, zone:$z, stage:$st,
              budget_min:$lo, budget_max:$hi, tags:($tags | split(",")), description:$d}')" \
            | jq -r .id)
        [ -n "$id" ] && [ "$id" != null ] || { echo "demo: project $4 not created" >&2; return 1; }
    fi
    echo "$id"
}

# interest TOKEN FROM TO DECISION
interest() {
    api POST "/api/v1/projects/$2/interests" "$1" \
        "{\"target_project_id\":$3,\"decision\":\"$4\"}" >/dev/null
}

# --- supply: AI capabilities, products, solutions ---
PRJ_IMAGING=$(project "$INNOV" "$ORG_INNOV" supply "医学影像智能辅助诊断引擎" 医疗健康 成都科学城 pilot \
    1000000 5000000 "医学影像,机器视觉,深度学习,辅助诊断" \
    "基于深度学习的CT/DR医学影像分析：肺结节检测、骨折识别与报告生成，已在两家医院试点，支持PACS对接。")
PRJ_V2X=$(project "$INNOV" "$ORG_INNOV" supply "路口车路协同感知系统" 交通物流 成都科学城 pilot \
    2000000 8000000 "车联网,机器视觉,智慧交通,智能网联汽车" \
    "路侧摄像头与毫米波雷达融合感知，实时识别车辆、行人与异常事件，向网联车辆推送路口信息。")
PRJ_VOICE=$(project "$INNOV" "$ORG_INNOV2" supply "智能语音导诊与病历语音录入" 医疗健康 天府新区 production \
    500000 3000000 "智能语音,自然语言处理,智慧医院,语音翻译交互" \
    "面向医院的语音识别与自然语言处理：门诊智能导诊、医生口述病历实时转写与结构化。")
PRJ_CHIP=$(project "$SEED" "$ORG_SEED" supply "低功耗类脑视觉芯片模组" 电子信息 成都科学城 prototype \
    300000 2000000 "类脑计算,智能芯片,机器视觉,智能终端" \
    "类脑脉冲神经网络芯片，毫瓦级功耗完成目标检测，适用于车载终端、无人机与智能摄像头。")
PRJ_UAV=$(project "$SEED" "$ORG_SEED2" supply "智能无人机巡检服务" 装备制造 龙泉驿区 production \
    500000 3000000 "无人机,机器视觉,工业互联网,智能巡检" \
    "无人机自主航线巡检厂区、管线与电力设施，机器视觉识别缺陷，巡检数据接入工业互联网平台。")
PRJ_IIOT=$(project "$LEADER" "$ORG_LEADER2" supply "工业互联网主题云平台" 智能制造 成都高新区 production \
    2000000 10000000 "工业互联网,智能制造,数字化车间,工业APP" \
    "面向行业与区域的工业互联网主题云平台：设备接入、数字化车间、工业APP与智能工厂改造服务。")

# --- demand: industry scenarios and needs (the opportunity list) ---
PRJ_NODULE=$(project "$LEADER" "$ORG_LEADER" demand "三甲医院肺结节影像辅助筛查" 医疗健康 天府国际生物城 pilot \
    2000000 8000000 "医学影像,机器视觉,辅助诊断,智慧医院" \
    "集团下属三甲医院每年数十万例胸部CT，需要医学影像辅助诊断系统完成肺结节初筛与随访对比，需对接PACS。")
PRJ_TRIAGE=$(project "$LEADER" "$ORG_LEADER" demand "门诊语音导诊与病历语音录入" 医疗健康 天府国际生物城 pilot \
    500000 2000000 "智能语音,自然语言处理,智慧医院" \
    "门诊高峰排队严重，需要智能语音导诊；医生希望口述病历自动转写为结构化电子病历。")
PRJ_DEFECT=$(project "$LEADER" "$ORG_LEADER2" demand "产线表面缺陷机器视觉检测" 智能制造 成都高新区 pilot \
    1000000 4000000 "机器视觉,工业互联网,智能制造,质量检测" \
    "冲压与喷涂产线需要机器视觉在线检测表面缺陷，结果回传工业互联网平台，替代人工目检。")
PRJ_PATROL=$(project "$LEADER" "$ORG_LEADER2" demand "厂区无人机巡检与物料配送" 智能制造 成都高新区 idea \
    300000 1500000 "无人机,工业互联网,智能巡检,无人物流配送" \
    "大型厂区需要无人机定时巡检屋顶与管廊，并试点车间之间的小件物料无人物流配送。")
PRJ_INVEHICLE=$(project "$INNOV" "$ORG_INNOV" demand "车载终端低功耗智能芯片" 交通物流 成都科学城 prototype \
    500000 3000000 "智能芯片,车联网,智能终端,类脑计算" \
    "车路协同车载终端需要低功耗智能芯片，在本地完成目标检测与事件识别，降低功耗与时延。")
PRJ_FACTORY=$(project "$SEED" "$ORG_SEED2" demand "无人机生产线数字化车间改造" 装备制造 龙泉驿区 idea \
    1000000 5000000 "数字化车间,工业互联网,智能制造" \
    "无人机总装线需要数字化车间改造：设备联网、生产数据采集与工业APP排产。")
export PRJ_IMAGING PRJ_V2X PRJ_VOICE PRJ_CHIP PRJ_UAV PRJ_IIOT
export PRJ_NODULE PRJ_TRIAGE PRJ_DEFECT PRJ_PATROL PRJ_INVEHICLE PRJ_FACTORY

# A mutual match (both sides interested) and one pending interest for 华西智谷 to answer.
interest "$INNOV" "$PRJ_IMAGING" "$PRJ_NODULE" interested
interest "$LEADER" "$PRJ_NODULE" "$PRJ_IMAGING" interested
interest "$SEED" "$PRJ_UAV" "$PRJ_PATROL" interested
