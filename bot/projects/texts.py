"""Community projects (共同缔造) texts. Messages are HTML: user values are escaped by
the renderer before they are put into these templates."""

STAGES = {
    "collecting": "征集意见",
    "deciding": "议事决议",
    "building": "实施",
    "done": "完工",
    "evaluating": "群众评价",
    "closed": "结束",
    "shelved": "搁置",
}
STAGE_ALIASES = {  # what an organizer may type in /project_stage
    "征集": "collecting", "征集意见": "collecting", "议事": "deciding", "决议": "deciding",
    "议事决议": "deciding", "实施": "building", "施工": "building", "完工": "done",
    "评价": "evaluating", "群众评价": "evaluating", "结束": "closed",
}
PLEDGE_KINDS = {"money": "出钱", "labour": "出力", "idea": "出点子"}
PLEDGE_ALIASES = {"出钱": "money", "钱": "money", "出力": "labour", "力": "labour",
                  "出点子": "idea", "点子": "idea", "建议": "idea"}

# --- the card / group post -------------------------------------------------------
HEADER = "🏗 <b>项目 #{id}｜{title}</b>"
STAGE_LINE = "阶段：{stage}"
PROGRESS_LINE = "进度：{bar} {percent}%"
BUDGET_LINE = "预算：{budget} 元"
SHELVED_LINE = "搁置原因：{reason}"
CHANGE_LINE = "📌 {text}"
NEXT_MILESTONE = "下一节点：{title}（计划 {date}）"
NEXT_MILESTONE_NODATE = "下一节点：{title}"
ALL_MILESTONES_DONE = "所有节点已完成 ✅"
PLEDGES_LINE = "参与：{parts}"
PLEDGE_PART = "{kind} {count} 人"
PLEDGE_MONEY_PART = "出钱 {count} 人（共 {amount} 元）"
FOLLOWERS_LINE = "关注：{count} 人"
EVALUATION_LINE = "群众评价：{summary}"
POLL_PENDING_LINE = "🗳 决议进行中：是否进入「{stage}」"
FROM_CASE_LINE = "来自居民建议 {number}"
BY_LINE = "— {name}"
MORE_PHOTOS = "（附现场照片 {count} 张）"

# What changed, for the post of each timeline entry.
CHANGE_CREATED = "新项目发布，欢迎大家提意见、参与共建！"
CHANGE_MILESTONE_DONE = "节点完成：{title}"
CHANGE_STAGE = "项目进入「{stage}」阶段"
CHANGE_DECISION_MANUAL = "【决议公开】{how}，项目进入「{stage}」阶段。"
CHANGE_TO_DELIBERATION = "意见征集结束，项目进入「议事决议」阶段，社区将召集居民议事会议。"
CHANGE_DECISION_COUNCIL = "【决议公开】居民议事会议表决通过（议题 #{topic}：{summary}），项目进入「{stage}」阶段。"
CHANGE_DECISION_COUNCIL_REJECTED = "【决议公开】居民议事会议表决未通过（议题 #{topic}：{summary}），项目暂留在「{stage}」阶段。"
CHANGE_DECISION_WHILE_SHELVED = "项目搁置期间表决结束（{summary}），结果不生效；恢复后需重新决议。"
DECIDED_OFFLINE = "方案经居民线下议事通过"
DECIDED_NO_VOTE = "按项目设定无需居民表决，由社区决定实施"
DECIDED_BY_POLL = "全体居民表决：{summary}"
COUNCIL_RESULT = "决议事项（项目 #{id}「{title}」）已实施完成。"
COUNCIL_RESULT_EVALUATED = "决议事项（项目 #{id}「{title}」）已实施完成，群众评价：{summary}。"
CHANGE_DECISION_POLL = "【决议公开】居民表决通过（{summary}），进入「{stage}」阶段。"
CHANGE_DECISION_REJECTED = "【决议公开】居民表决未通过（{summary}），项目暂留在「{stage}」阶段。"
CHANGE_SHELVED = "项目搁置。原因：{reason}"
CHANGE_RESUMED = "项目恢复，回到「{stage}」阶段。"
CHANGE_DONE_EVAL = "项目完工！满意度评价已开始，{closes} 截止，请大家投票评价。"
CHANGE_DONE_MANUAL = "项目完工！请大家评价。"
CHANGE_CLOSED = "【结果公开】群众评价：{summary}。项目结束，感谢大家参与共建！"
CHANGE_CLOSED_MANUAL = "项目结束，感谢大家参与共建！"
CHANGE_POLL_STARTED = "居民表决开始：是否进入「{stage}」阶段，{closes} 截止。"
POLL_QUESTION_DECIDE = "项目 #{id}「{title}」是否进入「{stage}」阶段？"
POLL_QUESTION_EVAL = "您对项目 #{id}「{title}」的完成情况满意吗？"

# --- /projects and /project N -----------------------------------------------------
LIST_HEADER = "🏗 <b>{community} 社区项目</b>"
LIST_LINE = "#{id} {title}｜{stage}｜{percent}%"
LIST_EMPTY = "本社区还没有项目。"
LIST_FOOTER = "发送 /project 编号 查看详情和时间线。"
TIMELINE_HEADER = "\n<b>时间线</b>"
TIMELINE_LINE = "{date} {text}"
TIMELINE_PERCENT = "（{percent}%）"
MILESTONES_HEADER = "\n<b>节点</b>"
MILESTONE_LINE = "{mark} {pos}. {title}{date}{weight}"
MILESTONE_DATE = "（{date}）"
MILESTONE_WEIGHT = " ×{weight}"
PROJECT_HOW = "用法：/project 项目编号，例如 /project 3"

# --- buttons ------------------------------------------------------------------------
BTN_FOLLOW = "🔔 关注"
BTN_UNFOLLOW = "🔕 取消关注"
BTN_JOIN = "🙋 我要参与"
FOLLOWED = "已关注项目 #{id}，有进展会私聊通知您。"
FOLLOWED_START = "已关注项目 #{id}。请先私聊机器人发送 /start，才能收到进展通知。"
UNFOLLOWED = "已取消关注项目 #{id}。"
JOIN_CHOOSE = "项目 #{id}「{title}」：您想怎样参与？"
PLEDGED = "谢谢！已记录您「{kind}」。"
PLEDGE_HOW = ("用法：/pledge 项目编号 出钱|出力|出点子 [金额/小时] [说明]\n"
              "例如：/pledge 3 出钱 200　/pledge 3 出力 4 周末可以搬东西　/pledge 3 出点子 建议装在东侧")
PLEDGE_BAD_AMOUNT = "金额/小时数请填 1 到 1000000 之间的整数。"
PLEDGE_CLOSED = "项目 #{id} 已{stage}，不再登记参与。"

# --- organizer commands -------------------------------------------------------------
NEW_TEMPLATE = (
    "请复制下面的模板，填写后发送（标题必填，其余可删）：\n\n"
    "<code>/project_new\n"
    "标题：3号楼加装电梯\n"
    "说明：居民反映老人上下楼困难……\n"
    "预算：500000\n"
    "群：全部\n"
    "监督员：@张阿姨 @李师傅\n"
    "节点：方案公示 2026-12-01\n"
    "节点：开工 2027-01-15 权重3\n"
    "需要表决：是</code>"
)
NEW_DONE = "✅ 已创建项目 #{id}「{title}」，已发布到 {groups} 个群。\n推进：/project_stage {id}　进展：/project_update {id} 进展说明 50%"
NEW_NEED_TITLE = "请填写「标题：」。"
NEW_TITLE_TOO_LONG = "标题最多 100 个字。"
NEW_CHOOSE_COMMUNITY = "您负责多个社区，请加一行「社区：名称」（{names}）。"
NEW_UNKNOWN_COMMUNITY = "找不到您负责的社区「{name}」。"
NEW_BAD_BUDGET = "预算请填整数金额（元），例如「预算：50000」。"
NEW_UNKNOWN_GROUP = "找不到本社区的群「{name}」。"
NEW_NO_GROUPS = "本社区还没有绑定的群，请先在群里发送 /bind。"
NEW_UNKNOWN_SUPERVISOR = "找不到用户 {who}。请让对方先在群里发言或私聊机器人 /start。"
NEW_BAD_VOTE = "「需要表决：」请填「是」或「否」（{value}）。"
BAD_MILESTONE = "节点格式：「节点：名称 2026-12-01 [权重2]」（{line}）"
MILESTONE_PAST = "节点「{title}」的计划日期 {date} 已经过去，请填今天或以后的日期。"
MILESTONE_BAD_WEIGHT = "权重请填 1 到 100 的整数。"
MILESTONE_ADDED = "✅ 已为项目 #{id} 添加节点 {pos}.「{title}」。"
MILESTONE_HOW = "用法：/project_milestone 项目编号 名称 2026-12-01 [权重2]"

UPDATE_HOW = (
    "用法：/project_update 项目编号 进展说明 [进度%] [完成节点序号]\n"
    "例如：/project_update 3 电梯井道开挖完成 40%\n"
    "　　　/project_update 3 完成2 方案已公示\n"
    "可以附照片：发送照片（或相册），在说明文字里写上面的命令。"
)
UPDATE_DONE = "✅ 进展已发布到 {groups} 个群，并通知 {followers} 位关注者。"
UPDATE_EMPTY = "请写上进展说明、进度百分比或完成的节点。"
BAD_PERCENT = "进度必须是 0 到 100 之间的整数（您写的是 {value}）。"
UNKNOWN_MILESTONE = "项目 #{id} 没有第 {pos} 个节点。"
MILESTONE_ALREADY = "节点 {pos}.「{title}」已经完成过了。"
PHOTO_TOO_LARGE = "照片太大（{size}），请压缩到 10 MB 以内、长宽之和不超过 10000 像素再发。"
PHOTO_ADDED = "📷 照片已加入项目 #{id} 的进展。"
NOT_ACTIVE = "项目 #{id} 目前「{stage}」，不能发布进展。"

NO_SUCH_PROJECT = "没有编号为 #{id} 的项目。"
OTHER_COMMUNITY = "项目 #{id} 不属于本社区。"
NOT_YOUR_COMMUNITY = "项目 #{id} 不是您负责的社区的项目。"
NOT_ALLOWED_UPDATE = "只有社区工作人员和本项目的居民监督员可以发布进展。"
NOT_ALLOWED_ORGANIZE = "只有本社区的工作人员可以这样操作。"
NUMBER_HOW = "请写项目编号（数字），例如 /project 3。"

STAGE_HOW = (
    "用法：/project_stage 项目编号 [全体表决|确认]\n"
    "　推进到下一阶段。议事决议→实施 由居民议事会议表决（/meeting 议题编号）；"
    "写「全体表决」改为群里全体居民投票，写「确认」表示已线下议事、直接公布决议。\n"
    "/project_shelve 项目编号 原因　搁置\n/project_resume 项目编号　恢复"
)
STAGE_DONE = "✅ 项目 #{id} 已进入「{stage}」阶段，已在群里公布。"
STAGE_POLL_STARTED = "🗳 已发起居民表决，{closes} 截止；通过后自动进入「{stage}」阶段。"
STAGE_TOPIC = ("✅ 项目 #{id} 已进入「议事决议」阶段，已在群里公布。\n"
               "议事议题 #{topic} 已建立：召集居民议事会议 /meeting {topic}")
STAGE_COUNCIL = ("决议须经居民议事会议：议题 #{topic}。召集会议：/meeting {topic}\n"
                 "会议表决通过后项目自动进入「{stage}」阶段。"
                 "（或 /project_stage {id} 全体表决　发起全体居民投票）")
STAGE_POLL_PENDING = "项目 #{id} 已有一个表决在进行中，请等它结束。"
STAGE_NO_NEXT = "项目 #{id} 目前「{stage}」，没有可以手动推进的下一阶段。"
STAGE_POLLS_MISSING = "投票功能暂不可用，请线下议事后用 /project_stage {id} 确认 公布决议。"
SHELVE_HOW = "用法：/project_shelve 项目编号 原因"
SHELVED = "项目 #{id} 已搁置，已在群里说明原因。"
RESUME_NOT_SHELVED = "项目 #{id} 没有被搁置。"
SUPERVISOR_HOW = "用法：/project_supervisor 项目编号 @用户名"
SUPERVISOR_ADDED = "✅ {name} 已成为项目 #{id} 的居民监督员，可以发布进展和照片。"
SUPERVISOR_NOTIFY = ("您已被设为项目 #{id}「{title}」的居民监督员。"
                     "可以用 /project_update {id} 进展说明 发布进展（可附照片）。")

SUPERVISOR_NOTIFY_GROUP = ("{who} 已被设为项目 #{id}「{title}」的居民监督员。"
                           "请私聊我发送 /start，之后就能发布进展、收到项目通知。")

FROM_CASE_NOTIFY = "您提出的建议 {number} 已转为社区项目 #{id}「{title}」，有进展会通知您。"
FROM_CASE_EVENT = "转为社区项目 #{id}"

# --- schedules ---------------------------------------------------------------------
DIGEST_HEADER = "🗓 <b>本周社区项目动态</b>"
DIGEST_LINE = "#{id} {title}｜{stage}｜{bar} {percent}%\n　{change}"
DIGEST_FOOTER = "发送 /project 编号 查看详情。"
STALE_REMINDER = ("⏰ 项目 #{id}「{title}」已经 {days} 天没有发布进展了。"
                  "请用 /project_update {id} 进展说明 告诉居民最新情况。")
MILESTONE_OVERDUE = "⚠️ 项目 #{id}「{title}」的节点「{milestone}」计划 {date} 完成，目前尚未完成。"

# --- evaluation result summary -------------------------------------------------------
RESULT_PART = "{option} {count} 票"
RESULT_TOTAL = "共 {total} 票"
RESULT_NONE = "无人投票"

# One line in /stats and the monthly 社情发布会.
SUMMARY = "{count} 个项目，本期更新 {updates} 次（{items}）"
SUMMARY_ITEM = "{title} {stage} {percent}%"

# --- from a council decision (/topic_project) --------------------------------------------
FROM_TOPIC_CHANGE = "居民议事决议通过（议题 #{topic}），社区按决议立项实施，欢迎大家监督、参与！"
PLEDGE_DONE_HOW = "用法：/pledge_done 项目编号 @用户名（确认其「出力」承诺已兑现，记志愿积分）"
PLEDGE_DONE_NONE = "{who} 没有在项目 #{id} 登记「出力」。"
PLEDGE_DONE_AGAIN = "{who} 的出力承诺已经记过积分了。"
PLEDGE_DONE = "✅ 已确认 {who} 在项目 #{id} 的出力承诺已兑现，记志愿积分 {amount} 分。"
