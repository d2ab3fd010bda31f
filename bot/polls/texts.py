"""Texts of scheduled polls (民意调查): the /poll_new dialog, group posts, results."""

# --- the dialog ---------------------------------------------------------------------
NOT_ORGANIZER = "抱歉，只有社区工作人员可以发起投票。"
CHOOSE_COMMUNITY = "要在哪个社区发起投票？"
ASK_QUESTION = "📊 发起民意调查（随时发送 /cancel 放弃）\n\n第1步：请输入投票问题（最多300字）。"
ASK_OPTIONS = (
    "第2步：选择一个常用选项组，或直接发送选项，每行一个（至少2个；超过12个时，居民点下面的选项按钮来投票）。"
)
ASK_MULTIPLE = "第3步：单选还是多选？"
ASK_ANONYMOUS = (
    "第4步：匿名还是记名？\n"
    "匿名（推荐）：谁投了什么，任何人都看不到，工作人员和导出文件也没有；只公布票数。\n"
    "⚠️ 记名公开：群里所有人都会看到每个人投了什么，导出文件也带姓名。"
    "只在确需记名表决时选择。"
)
PUBLIC_WARNING = "⚠️ 已选择记名公开：结果会公布每个选项的投票人姓名。"
ASK_GROUPS = "第5步：发到哪些群？点击群名选择（可多选），或发送群名；选好后点「完成」。"
ASK_OPENS = "第6步：什么时候开始？点「立即开始」，或发送日期时间，如 2026-12-01 09:00、明天 9:00。"
ASK_CLOSES = (
    "第7步：什么时候截止？发送截止时间（如 12-03 18:00），或时长（如 3天、48小时），"
    "也可点下面的按钮。"
)
ASK_RECURRENCE = (
    "第8步：是否定期重复？点「不重复」，或发送规则：\n"
    "• 每月17日 09:00\n• 每周一 09:00"
)
ASK_ELIGIBILITY = "第9步：谁可以投票？"
ASK_LINK = "第10步：关联项目或工单类别？点「不关联」，发送「项目 编号」，或点选一个类别。"
CANCELLED = "已取消，没有保存任何内容。"
SAVED = "✅ 已保存民意调查 #{id}。{when}"
SAVED_OPEN = "已发到群里。"
SAVED_LATER = "将于 {opens} 自动发出。"
UPDATED = "✅ 已修改民意调查 #{id}。"
SUMMARY_HEAD = "请核对民意调查："
CHOOSE_FIELD = "要修改哪一项？"
GROUP_SELECTED = "已选 {n} 个群"
NO_GROUPS = "这个社区还没有绑定的居民群。请先在群里发送 /bind。"
DIALOG_EXPIRED = "这个对话已结束，请重新发送 /poll_new。"

BTN_CONFIRM = "✅ 确认"
BTN_EDIT = "✏️ 修改"
BTN_CANCEL = "✖️ 取消"
BTN_SINGLE = "单选"
BTN_MULTIPLE = "多选"
BTN_PUBLIC = "⚠️ 记名公开"
BTN_ANONYMOUS = "匿名（推荐）"
BTN_ALL_GROUPS = "全部群"
BTN_DONE = "完成"
BTN_NOW = "立即开始"
BTN_NO_REPEAT = "不重复"
BTN_NO_LINK = "不关联"
DURATIONS = [("1天", 24 * 60), ("3天", 3 * 24 * 60), ("7天", 7 * 24 * 60)]
ELIGIBILITY = {"anyone": "群内所有人", "residents": "仅登记居民", "household": "登记居民，每户一票"}
KINDS = {"native": "群内投票", "buttons": "点选项按钮"}

FIELDS = {
    "question": "问题", "options": "选项", "multiple": "单选/多选", "anonymous": "公开/匿名",
    "groups": "目标群", "opens": "开始时间", "closes": "截止时间", "recurrence": "重复",
    "eligibility": "投票资格", "link": "关联",
}

# --- validation ---------------------------------------------------------------------
ERR_QUESTION_EMPTY = "问题不能为空，请重新输入。"
ERR_QUESTION_LONG = "问题太长了（{n}字），投票问题最多{limit}字，请精简后重新输入。"
ERR_OPTIONS_FEW = "至少需要2个选项，请重新发送选项（每行一个）。"
ERR_OPTIONS_DUP = "选项「{option}」重复了，请重新发送选项。"
ERR_OPTIONS_MANY = "选项太多了（{n}个），最多{limit}个，请重新发送选项。"
ERR_OPTION_LONG = "选项「{option}…」太长了，最多{limit}字，请重新发送选项。"
ERR_GROUPS_NONE = "请至少选择一个群。"
ERR_GROUP_UNKNOWN = "没有找到名为「{name}」的群。请点击下面的群名选择。"
ERR_WHEN = "没看懂这个时间：「{text}」。请按 2026-12-01 09:00 或 明天 9:00 的格式发送。"
ERR_PAST = "{when} 已经过去了，请发送一个将来的时间。"
ERR_CLOSE_BEFORE_OPEN = "截止时间 {closes} 不能早于开始时间 {opens}，请重新发送截止时间。"
ERR_CLOSE_WHEN = "没看懂：「{text}」。请发送截止时间（如 12-03 18:00）或时长（如 3天、48小时）。"
ERR_RECURRENCE = "没看懂这个重复规则：「{text}」。例如：每月17日 09:00、每周一 09:00。"
ERR_LINK = "没看懂：「{text}」。请发送「项目 编号」，或点击按钮。"
ERR_PROJECT = "没有找到项目 {number}。"
ERR_FIX = "请修改「{field}」：{error}"

# --- summaries, lists -----------------------------------------------------------------
SUMMARY = (
    "问题：{question}\n选项：{options}\n方式：{kind}，{multiple}，{anonymous}\n"
    "目标群：{groups}\n开始：{opens}\n截止：{closes}\n重复：{recurrence}\n"
    "投票资格：{eligibility}\n关联：{link}"
)
OPENS_NOW = "立即"
LINK_NONE = "无"
LINK_PROJECT = "项目 {number}"
LINK_CATEGORY = "类别：{name}"
STATUS = {"scheduled": "⏳ 待开始", "open": "🟢 进行中", "closed": "✅ 已结束", "cancelled": "✖️ 已取消"}
LIST_HEAD = "民意调查列表："
LIST_EMPTY = "还没有民意调查。发送 /poll_new 发起一个。"
LIST_LINE = "#{id} {status} {question}\n    {opens} → {closes}{repeat}"
LIST_REPEAT = "（{rule}）"
BTN_LIST_CANCEL = "取消 #{id}"
BTN_LIST_EDIT = "修改 #{id}"
BTN_LIST_RESULTS = "结果 #{id}"
POLL_CANCELLED = "已取消民意调查 #{id}。"
NOT_SCHEDULED = "民意调查 #{id} 已经开始或结束，不能再修改或取消。"
NOT_FOUND = "没有找到民意调查 #{id}。"
RESULTS_HOW = "用法：/poll_results 编号，例如 /poll_results 3"
NO_RESULT_YET = "民意调查 #{id} 还没有结束。目前已有 {voters} 人投票，截止时间 {closes}。"

# --- group posts ----------------------------------------------------------------------
OPEN_POST = "📊 民意调查 #{id}：{question}\n{how}截止时间：{closes}。{who}{anon}"
OPEN_HOW_NATIVE = "请在下面的投票中选择。"
OPEN_HOW_BUTTONS = "请点击下面的选项按钮进行投票{multi}。"
OPEN_MULTI = "（可多选，再点一次取消）"
WHO = {"anyone": "", "residents": "仅登记居民的投票计入。",
       "household": "仅登记居民的投票计入，每户一票。"}
ANON_NOTE = "匿名投票：谁投了什么，任何人都看不到，结果只公布票数。"
PUBLIC_NOTE = "⚠️ 记名投票：结果将公布各选项的投票人。"
LATE_OPEN = "（机器人维护后补发，比原定 {due} 晚开始）"
LATE_CLOSE = "（机器人维护后补发，原定 {due} 截止）"
REMIND = "⏰ 民意调查 #{id}「{question}」将于 {closes} 截止，已有 {voters} 人投票，还没投的请抓紧。"

RESULT = "📊 民意调查 #{id} 结果：{question}"
RESULT_ROW = "{label}：{count} 票（{percent:.1f}%）"
RESULT_VOTERS = "    {names}"
RESULT_TURNOUT = "参与 {voters} 人，应参与 {eligible} 人，参与率 {turnout:.1f}%"
RESULT_TURNOUT_UNKNOWN = "参与 {voters} 人"
RESULT_NOBODY = "无人投票。"
RESULT_SATISFACTION = "满意率（满意+基本满意）：{rate:.1f}%"
RESULT_SCORE = "平均分：{avg:.2f}"
CHART_TITLE = "#{id} {question}"
CHART_CAPTION = "📊 民意调查 #{id} 结果图：{question}（{voters} 人投票，各选项票数和占比）"

# --- votes ----------------------------------------------------------------------------
VOTE_COUNTED = "已记录您的选择：{choice}"
VOTE_RETRACTED = "已撤回您的投票。"
VOTE_CLOSED = "这个投票已经结束，不能再投了。"
VOTE_NOT_OPEN = "这个投票还没有开始。"
VOTE_INELIGIBLE_RESIDENT = "民意调查 #{id}「{question}」只统计登记居民的投票，您的投票未计入。如需登记，请联系网格员。"
VOTE_INELIGIBLE_HOUSEHOLD = "民意调查 #{id}「{question}」每户一票，需要登记门牌号，您的投票未计入。请联系网格员登记。"
VOTE_HOUSEHOLD_TAKEN = "民意调查 #{id}「{question}」每户一票，您家（{household}）已经投过了，您的投票未计入。"
VOTE_ALERT_RESIDENT = "只统计登记居民的投票，您的投票未计入。"
VOTE_ALERT_HOUSEHOLD = "每户一票，需登记门牌号，您的投票未计入。"
VOTE_ALERT_TAKEN = "每户一票，您家已经投过了。"

# --- reports --------------------------------------------------------------------------
REPORT_LINE = "民意调查：结束 {polls} 次，参与 {voters} 人次，应参与 {eligible} 人次（参与率 {turnout}）"
REPORT_NA = "—"

# --- export ---------------------------------------------------------------------------
EXPORT_HEAD = ["编号", "问题", "选项", "票数", "占比%", "投票人"]
EXPORT_VOTES_HEAD = ["编号", "投票人", "户号", "所在群", "选择", "投票时间"]
EXPORT_SUMMARY = ["参与人数", "应参与人数", "参与率%"]

WEEKDAYS = "一二三四五六日"
REPEAT_NONE = "不重复"
REPEAT_MONTHLY = "每月{day}日 {time}"
REPEAT_WEEKLY = "每周{weekday} {time}"
REPEAT_CRON = "按自定义时间（{expr}）"
