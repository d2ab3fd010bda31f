"""Levels, department ratings (吹哨报到 评价) and rankings (比学赶超): Chinese texts.
Rankings and /depts are HTML (names escaped in bot/levels)."""

# --- rating a whistled department -----------------------------------------------------
RATE_ASK = ("请为「{dept}」在工单 {number} 中的响应打分（吹哨报到 · 基层评价）：\n"
            "吹哨 {at}，{ack}。")
RATE_ACKED = "报到用时 {span}"
RATE_NOT_ACKED = "未报到"
RATE_OK = "已评价「{dept}」：{rating}。"
RATE_ASK_REASON = "已记录「{dept}」：不满意。请直接回复一句原因（例如：两次约定未到场），发送 /skip 跳过。"
RATE_REASON_OK = "原因已记录，街道可在 /depts 中看到。"
RATE_REASON_SKIPPED = "好的，不填写原因。"
RATE_REASON_EMPTY = "请用文字说明原因，或发送 /skip 跳过。"
RATE_REASON_LONG = "原因请控制在 {n} 字以内。"
RATE_ALREADY = "「{dept}」在这个工单上已被评价为「{rating}」，不能重复评价。"
RATE_NOT_RESOLVED = "工单办结后才能评价部门。"
RATE_NO_RIGHT = "只有处理该工单的网格员或社区工作人员可以评价部门。"
RATE_TOLD_DEPT = "社区对「{dept}」在工单 {number} 中的响应评价：{rating}{reason}"
RATE_TOLD_REASON = "（原因：{reason}）"

# --- /depts ----------------------------------------------------------------------------
DEPTS_TITLE = "🏛 <b>职能部门吹哨报到｜{scope}｜{period}</b>"
DEPTS_EMPTY = "这段时间没有吹哨记录。"
DEPTS_LINE = ("<b>{dept}</b>：吹哨 {whistles} 次，报到 {acked} 次（按时 {on_time}）\n"
              "  报到用时中位 {ack_median} · 解决用时中位 {resolve_median}\n"
              "  评价 {rated} 次：满意率 {satisfaction}（不满意 {unsatisfied}）{reasons}")
DEPTS_REASONS = "\n  不满意原因：{items}"
DEPTS_RULE = ("说明：按吹哨时间统计；报到用时 = 吹哨到报到；解决用时 = 吹哨到工单办结；"
              "按时 = 在权责清单（或部门默认）时限内报到；满意率 = (满意+基本满意) ÷ 评价数。")

# --- rankings --------------------------------------------------------------------------
RANK_TITLE_STREET = "🏆 <b>比学赶超｜{street}各社区｜{period}</b>"
RANK_TITLE_GRIDS = "🏆 <b>比学赶超｜{community}各网格｜{period}</b>"
RANK_LINE = ("{flag}{place}. <b>{name}</b> {score}\n"
             "  响应率 {response} · 解决率 {resolve} · 满意率 {satisfaction}\n"
             "  主动发现 {found}/{opened}（{found_share}）· 超时 {overdue} 件")
RANK_EMPTY = "（这段时间没有工单）"
RANK_SCORE = "{:.1f}分"
RANK_NO_SCORE = "暂无评分"
RANK_RED = "🚩"
RANK_YELLOW = "🟨"
RANK_RULE = ("规则：综合分 = 响应率×30 + 解决率×40 + 满意率×30（某项无数据时按其余项折算）"
             " + 主动发现占比×10 − 超时件数×2；同分按超时少者在前。"
             "第一名得🚩红旗，末名（三个及以上参评时）得🟨黄旗。")
RANK_NONE_ALLOWED = "您还没有可查看排行的社区或街道。"
RANK_BTN = {"tm": "本月", "lm": "上月"}
RANK_UPDATED = "已更新"
