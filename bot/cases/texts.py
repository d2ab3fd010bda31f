"""Texts of the case loop (接诉即办)."""

STATUS = {"open": "待受理", "accepted": "办理中", "resolved": "待评价", "closed": "已办结"}
LEVEL = {"grid": "网格", "community": "社区", "street": "街道", "district": "区"}
KIND = {"complaint": "诉求", "suggestion": "建议"}
CLOSE_REASON = {"rated": "已评价", "unrated": "未评价", "duplicate": "重复工单",
                "project": "已转为社区项目", "patrol": "巡查发现，无需评价"}
URGENT_MARK = "🚨紧急"

# -- group replies -------------------------------------------------------------------
GROUP_CARD = (
    "📋 已登记工单 {number}\n"
    "类别：{category}{urgent}\n"
    "负责：{worker}\n"
    "进度查询：私聊我发送 /case {number}"
)
GROUP_LINKED = (
    "📎 同一问题已有工单 {number}（{status}），已为您记录，目前共 {households} 户反映。\n"
    "进度查询：私聊我发送 /case {number}"
)
INQUIRY_POINTER = "💬 咨询类问题可私聊我发送 /help，或联系本网格网格员。需要报事请直接描述问题。"
PLUS_BUTTON = "我也遇到 (+{n})"
PLUS_DONE = "已记录，目前共 {n} 户反映"
PLUS_ALREADY = "您已经记录过了"
PLUS_CLOSED = "该工单已办结"
PLUS_OWN_CASE = "这是您负责办理的工单，不能再 +1。"
VOICE_UPDATE = "🔔 您也反映过的工单 {number}：\n{line}"
WORKER_PENDING = "待分派"
ANONYMOUS = "匿名居民"
GROUP_DIGEST = "🔔 工单 {number} 进展：\n{lines}"
REPORT_CASE_HOW = "请回复一条消息发送 /case 或 #报事，把它登记为工单。"
CASE_FROM_REPLY_EMPTY = "被回复的消息没有文字内容，无法登记。"

# -- worker / staff messages ------------------------------------------------------------
NEW_CASE = (
    "🆕 新工单 {number}{urgent}\n"
    "类别：{category}　来源：{source}\n"
    "{reasons}"
    "地点：{place}\n"
    "反映人：{reporter}\n"
    "内容：{text}\n"
    "受理时限：{accept_due}"
)
CASE_CARD = (
    "📋 工单 {number}{urgent}\n"
    "状态：{status}（{level}）\n"
    "类别：{category}　来源：{source}　影响：{households} 户\n"
    "{reasons}"
    "地点：{place}\n"
    "反映人：{reporter}\n"
    "负责：{owner}\n"
    "内容：{text}\n"
    "{due}"
)
PUBLIC_CARD = "📋 工单 {number}\n状态：{status}\n类别：{category}\n负责：{owner}"
DUE_ACCEPT = "受理时限：{due}"
DUE_RESOLVE = "办结时限：{due}"
OVERDUE = "⏰已超时 "
OVERDUE_BEFORE = "⏰原时限 {missed} 已超时，现"
NO_DEADLINE = "无时限"
PLACE_UNKNOWN = "未注明"
SOURCE_GROUP = "群聊「{title}」"
SOURCE_PRIVATE = "私聊报事"
SOURCE_GROUP_ANY = "群聊"
SOURCE_PATROL = "网格员巡查（主动发现）"
ALERT_URGENT = "🚨 紧急工单 {number}：{category}，{text}\n负责：{owner}"
REMIND_ACCEPT = "⏰ 工单 {number} 还未受理，受理时限 {due}，请尽快接单。"
REMIND_RESOLVE = "⏰ 工单 {number} 办结时限 {due}，请抓紧办理。"
ESCALATED_TO = "⬆️ 工单 {number} 已上报至{level}（{why}），请协调办理。"
WHY_ACCEPT_LATE = "超时未受理"
WHY_RESOLVE_LATE = "超时未办结"
WHY_WHISTLE_LATE = "部门超时未报到"
WHY_MANUAL = "{name} 上报"
TRANSFERRED_TO_YOU = "↪️ {name} 把工单 {number} 转派给您，请接单。"
ASSIGNED_TO_YOU = "↪️ 工单 {number} 已改派给您，请接单。"
WHISTLE_CALL = "📣 吹哨报到：工单 {number}（{category}）需要「{dept}」协助，请在 {due} 前报到。\n内容：{text}"
WHISTLE_ACKED = "✅ 「{dept}」已报到工单 {number}。"
WHISTLE_LATE = "⏰ 「{dept}」未在时限内报到工单 {number}。"
REOPENED_OWNER = "↩️ 工单 {number} 居民不满意，已重新打开，请继续办理。办结时限：{due}"
RATED_OWNER = "⭐ 工单 {number} 居民评价：{rating}"

# -- buttons -------------------------------------------------------------------------------
BTN_ACCEPT = "接单"
BTN_PROGRESS = "记进展"  # an action: the state is 办理中
BTN_RESOLVE = "已解决"
BTN_TRANSFER = "转派"
BTN_WHISTLE = "吹哨"
BTN_ESCALATE = "上报"
BTN_DETAIL = "详情"
BTN_RECLASSIFY = "改类别"
BTN_TO_PROJECT = "转为项目"
BTN_REASSIGN = "改派"
BTN_ACK = "报到"
BTN_PREV = "« 上一页"
BTN_NEXT = "下一页 »"

# -- button answers ----------------------------------------------------------------------
ACCEPTED_OK = "已接单，工单 {number} 由您负责到底。"
ALREADY_TAKEN = "已被 {name} 接单。"
NOT_OPEN = "工单当前状态为「{status}」，不能这样操作。"
NO_RIGHT = "您没有办理这个工单的权限。"
BTN_VIEW = "查看进度"
OUTDATED = "这个按钮已过时：工单已转给他人或已换人办理。发送 /mycases 查看您手上的工单。"
NOT_REPORTER = "只有反映人本人可以评价。"
RATE_STALE = "这次评价已失效（工单已重新办理或已评价）。"
RATED_THANKS = "感谢您的评价：{rating}"
ASK_UNSAT_REASON = "很抱歉没让您满意。工单已重新打开交回原负责人。请简单说说原因（直接回复文字即可）："
REASON_SAVED = "已记录您的意见，负责人会继续办理。"
ASK_PROGRESS = "请发送处理进展（文字）："
ASK_RESOLVE = "请发送办理结果说明，可附一张整改后照片（发照片并写说明）："
ASK_RESOLVE_PHOTO = "该类别需要整改后照片，请发送照片并附说明。"
PROGRESS_SAVED = "已记录进展，并告知反映人。"
RESOLVED_OK = "已标记解决，等待居民评价。"
RESOLVED_PATROL = "已办结。巡查发现的工单办结即关闭，不请居民评价；反映过的居民会收到办结通知。"
CHOOSE_WORKER = "请选择转派给谁："
CHOOSE_REASSIGN = "请选择改派给谁："
NO_OTHER_WORKER = "本网格没有其他网格员可转派。"
CHOOSE_DEPT = "请选择吹哨的部门："
NO_DEPT = "本社区还没有登记职能部门。"
CHOOSE_CATEGORY = "请选择正确的类别："
TRANSFERRED_OK = "已转派给 {name}。"
WHISTLED_OK = "已吹哨「{dept}」，等待报到。"
ALREADY_WHISTLED = "已经吹哨过「{dept}」。"
ACKED_OK = "已报到，谢谢！"
ACK_ALREADY = "已经报到过了。"
ESCALATED_OK = "已上报至{level}。"
TOP_LEVEL = "已在最高层级（街道），无法再上报。"
TOP_LEVEL_AT = "已在最高层级（{level}），无法再上报。"
CONFIRM_ESCALATE = "确定把工单 {number} 上报至{level}吗？"
BTN_CONFIRM_ESCALATE = "确认上报至{level}"
ESCALATE_STALE = "这个上报确认已过时：工单现在在{level}层级。如需再上报，请重新点「上报」。"
RECLASSIFIED_OK = "已改为「{category}」。"
PROJECT_OK = "已转为社区项目 #{id}，发送 /project {id} 查看，/project_update {id} 发布进展。"
PROJECT_ONLY_SUGGESTION = "只有居民建议可以转为项目。"
REASSIGNED_OK = "已改派给 {name}。"
INPUT_EMPTY = "内容不能为空，请重新发送文字。"
INPUT_TOO_LONG = "内容太长了（最多 {n} 字），请精简后重新发送。"

# -- reporter ------------------------------------------------------------------------------
REPORTER_UPDATE = "🔔 您反映的工单 {number}：\n{line}"
PATROL_UPDATE = "🔎 您巡查发现的工单 {number}：\n{line}"
RATE_PROMPT = "工单 {number} 已处理完毕（待评价），请您评价："
RESULT_CAPTION = "工单 {number} 办理前后对比"
RESULT_PHOTO_CAPTION = "工单 {number} 整改后照片"

# timeline lines: one per event kind
EVENT = {
    "opened": "登记工单，交由{worker}",
    "accepted": "{actor} 已接单",
    "progress": "处理进展：{text}",
    "resolved": "已解决：{text}",
    "transferred": "转派给 {worker}",
    "reassigned": "改派给 {worker}",
    "whistled": "吹哨「{dept}」协助办理",
    "acked": "「{dept}」已报到",
    "escalated": "已上报至{level}（{why}）",
    "rated": "居民评价：{rating}",
    "reopened": "居民不满意，重新办理{text}",
    "closed": "已办结（{reason}）",
    "note": "社区说明：{text}",
    "linked": "又有居民反映同一问题（共 {households} 户）",
    "duplicate": "与工单 {other} 为同一问题，合并办理",
    "reclassified": "类别由「{old}」改为「{new}」",
    "edited": "反映人修改了内容",
    "photo": "补充了 {n} 张照片",
}
TIMELINE_HEADER = "🕒 办理记录："
TIMELINE_LINE = "{at}　{line}"

# -- /case, /mycases, /cases ---------------------------------------------------------------
CASE_HOW = "用法：/case 工单编号，例如 /case {code}-{year}-0001"
CASE_HOW_PLAIN = "用法：/case 工单编号（群里报事后机器人回复的编号）"
CASE_NOT_FOUND = "没有找到工单 {number}。"
CASE_OTHER_COMMUNITY = "工单 {number} 不属于本社区。"
MYCASES_EMPTY = "您目前没有待办工单。"
MYCASES_HEADER = "您的待办工单（共 {n} 件，超时的在前）："
CASES_EMPTY = "没有符合条件的工单。"
CASES_HEADER = "工单列表（第 {page}/{pages} 页，共 {n} 件）{filters}："
CASES_LINE = "{overdue}{number}　{status}　{category}{urgent}　{owner}"
CASES_BAD_FILTER = "看不懂筛选条件「{word}」。可用：状态（待受理/办理中/待评价/已办结）、网格名、类别名、超时、紧急。"

# -- organizer commands ---------------------------------------------------------------------
NOTE_HOW = "用法：/note 工单编号 说明内容"
NOTE_OK = "已添加说明并告知反映人。"
DUP_HOW = "用法：/dup 工单编号 原工单编号（把前者作为后者的重复工单关闭）"
DUP_SELF = "不能把工单标记为自身的重复。"
DUP_OK = "工单 {number} 已作为 {other} 的重复工单关闭。"
RELOAD_OK = "✅ 分类规则已重新加载：{path}"
RELOAD_FAILED = "❌ 规则文件有错误，仍使用原规则：\n{error}"

# -- private /report ------------------------------------------------------------------------
REPORT_START = (
    "请描述您遇到的问题（可以发文字，或发照片并写说明）。发送 /cancel 取消。\n"
    "想匿名反映？发送 /report 匿名：群里不会出现您的任何信息，网格员仍能联系您。"
)
ANONYMOUS_WORD = "匿名"
REPORT_START_ANONYMOUS = (
    "🔒 匿名报事：群里不会出现您的任何信息，只有负责的工作人员能看到是谁反映的。\n"
    "请描述您遇到的问题（可以发文字，或发照片并写说明）。发送 /cancel 取消。"
)
REPORT_PHOTO_SAVED = "照片已收到，请再用文字描述问题。"
REPORT_CHOOSE_GRID = "请选择问题所在的小区和网格："
REPORT_NO_GRID = "还没有可报事的小区，请联系社区工作人员。"
REPORT_NOT_A_CASE = "没能识别出需要办理的问题。请具体描述，例如「3号楼楼道灯坏了」。"
REPORT_OPENED = "✅ 已登记工单 {number}（{category}），交由{worker}办理。办理进展会私聊告诉您。"
REPORT_LINKED = "📎 这个问题已有工单 {number}（{status}），已为您记录，进展会告诉您。"
REPORT_EXPIRED = "报事已超时或已完成，请重新发送 /report。"
EVENT["reason"] = "居民意见：{text}"
ASK_UNSAT_REASON_GROUP = ("很抱歉没让您满意，工单 {number} 已重新打开交回原负责人。"
                          "请直接回复这条消息，说说原因（哪里还没解决）：")
REPORTER_REPLY_OWNER = "💬 工单 {number} 反映人回复：{text}"
REPLY_SAVED_GROUP = "已记入工单，负责人会看到。"
UNSAT_REASON_OWNER = "💬 工单 {number} 居民的不满意原因：{text}"
EVENT["reminded"] = "已提醒负责人"
DEFAULT_RESOLVE_NOTE = "已处理完毕"
REOPENED_IN_GROUP = "已收到，工单已重新打开交回原负责人办理。请回复群里我的提问，说说原因。"
PRIVATE_HINT = "需要报事请发送 /report；查看工单进度请发送 /case 工单编号。"
CASE_ALREADY = "这条消息已登记为工单 {number}。"
MEDIA_WORD = {"photo": "照片", "voice": "语音", "document": "文件", "video": "视频"}
ASK_WHAT_PRIVATE = ("收到您在「{title}」发的{what}。请用文字说说遇到了什么问题"
                    "（例如「3号楼楼道灯坏了」），直接在这里回复即可，我来登记成工单。")
ASK_WHAT_GROUP = ("收到您的{what}。请用文字说说遇到了什么问题（例如「3号楼楼道灯坏了」），"
                  "我来登记成工单。")
NEW_SUGGESTION = (
    "💡 居民建议 {number}\n"
    "来源：{source}\n"
    "建议人：{reporter}\n"
    "内容：{text}\n"
    "建议不设受理时限，请社区研究：可以答复居民（接单后办结），或转为社区项目。"
)
GROUP_SUGGESTION = (
    "💡 已收到您的建议，编号 {number}，已转交社区工作人员研究，结果会告诉您。\n"
    "赞同这个建议的居民可以点下面的按钮。"
)
REPORT_SUGGESTION = "💡 已收到您的建议（编号 {number}），已转交社区工作人员研究，结果会告诉您。"
EDITED_WORKER = "✏️ 工单 {number} 的反映人修改了内容：\n{text}"
EDITED_URGENT = "🚨 工单 {number} 的反映人补充了情况，已升为紧急，时限 {due}：\n{text}"
EVENT["urgent"] = "内容修改后升为紧急"

# -- /settings: a community's case settings (bot.cases.settings) ---------------------------
SETTINGS_HEAD = "⚙️ {community}的工单设置"
SETTINGS_WINDOWS = {"urgent": "紧急诉求", "normal": "一般诉求", "suggestion": "建议"}
SETTINGS_WINDOW = "受理 {accept}，办结 {resolve}"
SETTINGS_MINUTES = "{n} 分钟内"
SETTINGS_HOURS = "{n} 小时内"
SETTINGS_NO_LIMIT = "无时限"
SETTINGS_CATEGORY = "　按类别 · {category}：{window}（本社区设置）"
SETTINGS_REMIND = "时限用去 {pct}% 时提醒办理人"
SETTINGS_RATING = "办结后 {days} 天未评价，自动结案（未评价）"
SETTINGS_BATCH = "群里的进展回复合并发送：每 {minutes} 分钟"
SETTINGS_COMMUNITY_HOURS = "上报到社区后的时限：{hours}"
SETTINGS_SAME_SLA = "沿用原时限"
SETTINGS_PHOTO = "办结须上传结果照片的类别：{cats}"
SETTINGS_NONE = "无"
SETTINGS_OTHER = "其他设置：{items}"
SETTINGS_DEFAULT = "（默认）"
SETTINGS_OWN = "（本社区设置）"
SETTINGS_FOOT = "修改：请在组织架构文件里该社区的 settings 下填写，然后重新导入。"
SETTINGS_ORGANIZERS_ONLY = "只有社区工作人员可以查看工单设置。"
