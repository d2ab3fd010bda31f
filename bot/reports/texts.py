"""Reports: /stats, /export, the weekly summary, the monthly 社情发布会, the daily 晾晒."""

# re-exported: one vocabulary for states, shared with the case cards
from bot.cases.texts import STATUS as STATUS

NONE = "—"
PERCENT = "{:.1f}%"
DAYS = "{d}天{h}小时"
HOURS = "{h}小时{m}分"
MINUTES = "{m}分钟"

PERIOD_WEEK = "{year}年第{week}周（{first:%m月%d日}—{last:%m月%d日}）"
PERIOD_MONTH = "{first:%Y年%m月}"
PERIOD_YEAR = "{first:%Y年}"
PERIOD_CUSTOM = "{first:%Y-%m-%d} 至 {last:%Y-%m-%d}"
PERIOD_BUTTONS = {"tw": "本周", "lw": "上周", "tm": "本月", "lm": "上月", "ty": "今年"}

SCOPE_ALL = "全社区"
SCOPE_GRID = "{community} · {grid}"

STATS_TITLE = "📊 {scope}｜{period}"
STATS_LINES = (
    "新增诉求 {opened} 件（合并重复 {duplicates} 件，“我也是” {plus_ones} 户）\n"
    "处理完毕 {resolved} 件 · 已办结 {closed} 件 · 超时 {overdue} 件 · 重开 {reopened} 件\n"
    "响应率 {response}（{accepted_in_time}/{due_accept}）\n"
    "解决率 {resolve}（{resolved_of_due}/{due_resolve}）\n"
    "满意率 {satisfaction}（满意 {satisfied} · 基本满意 {basic} · 不满意 {unsatisfied}），"
    "未评价 {unrated_share}\n"
    "受理用时：中位 {accept_median}，90% 在 {accept_p90} 内\n"
    "办结用时：中位 {resolve_median}，90% 在 {resolve_p90} 内"
)
TOP_CATEGORIES = "高发类别：{items}"
TOP_BUILDINGS = "高发楼栋：{items}"
BUILDING = "{}号楼"
ITEM = "{name} {n}"
SEP = "、"
# Lines of the other features; a feature whose summary names itself needs no entry.
EXTRA_LINES = {"projects": "项目进展：{text}", "polls": "投票参与：{text}"}
STATS_CHOOSE_COMMUNITY = "请选择要查看的社区："
STATS_NO_COMMUNITY = "您还没有可查看统计的社区。"
STATS_CHARTS = "📈 图表"
STATS_CHARTS_SENT = "图表已发送"
STATS_CHART_CAPTION = "{scope}｜{period}"
STATS_UPDATED = "已更新"
ALL_GRIDS_BUTTON = "全社区"

EXPORT_CHOOSE = "请选择要导出的台账时段（按登记时间）："
EXPORT_CHOOSE_STREET = "{street}全街道台账（各社区合在一个文件，含「社区」一列）。请选择时段（按登记时间）："
EXPORT_STREET_BUTTON = "🏙 全街道：{street}"
EXPORT_STREET_NAME = "{street}（{n} 个社区）"
EXPORT_FORMAT_XLSX = "Excel (xlsx)"
EXPORT_FORMAT_CSV = "CSV"
EXPORT_WORKING = "正在生成台账，请稍候……"
EXPORT_DONE = "📒 {community} 工单台账｜{period}，共 {rows} 条。"
EXPORT_EMPTY = "该时段没有工单，未生成台账。"
EXPORT_BAD_ARGS = (
    "用法：/export 或 /export 2026-10-01 2026-10-31（按登记日期，含首尾两天），"
    "后面可加社区名；街道工作人员加街道名导出全街道。\n"
    "管理员导出不隐藏姓名和电话的台账：/export 2026-10-01 2026-10-31 明文 理由：写明用途")
EXPORT_UNMASKED_WORD = "明文"
EXPORT_REASON_WORD = "理由"
EXPORT_UNMASKED_ADMINS = "只有管理员可以导出不隐藏个人信息的台账（明文台账）。"
EXPORT_UNMASKED_REASON = (
    "导出明文台账必须写明理由，会记入导出记录。例如：\n"
    "/export 2026-10-01 2026-10-31 明文 理由：核对独居老人联系电话")
EXPORT_UNMASKED_NOTE = "\n⚠️ 明文台账：含姓名和联系方式，已记入导出记录，请勿外传。"
EXPORT_FILENAME = "台账_{community}_{first:%Y%m%d}-{last:%Y%m%d}.{ext}"

WEEKLY_TITLE = "📅 {community} 上周工作小结｜{period}"
WEEKLY_GRIDS = "各网格：\n{lines}"
WEEKLY_GRID_LINE = ("· {grid}：新增 {opened}，响应率 {response}，解决率 {resolve}，"
                    "满意率 {satisfaction}")
WEEKLY_OVERDUE_NOW = "当前仍超时工单 {n} 件，明早的晾晒清单会列出明细。"

MONTHLY_TITLE = "📣 {community} {period} 社情发布会"
MONTHLY_BODY = (
    "上月居民共反映问题 {opened} 件，已办结 {resolved} 件。\n"
    "响应率 {response}，解决率 {resolve}，满意率 {satisfaction}（未评价 {unrated_share}）。"
)
MONTHLY_EMPTY = "上月没有收到居民反映的问题。"
MONTHLY_TOP = "大家最关心的：{items}"
MONTHLY_THANKS = "感谢各位邻居的监督和参与！遇到问题，直接在群里说就行。"

DAILY_TITLE = "⏰ {community} 超时工单晾晒｜{day:%m月%d日}\n共 {n} 件超时未办："
DAILY_WORKER = "\n👤 {name}（{n} 件）"
DAILY_UNOWNED = "无人受理"
DAILY_LINE = "  · {number} {category} {stage} 已超 {late}"
DAILY_STAGE = {"accept": "未受理", "resolve": "未办结"}
DAILY_MORE = "  …… 另有 {n} 件"

CHART_CATEGORIES = "各类诉求数量"
CHART_TREND = "每周趋势"
CHART_TREND_OPENED = "新增"
CHART_TREND_RESOLVED = "办结"
CHART_RATES = "各网格三率"
CHART_RATE_NAMES = ("响应率", "解决率", "满意率")
CHART_WEEK = "{:%m/%d}"
CHART_COUNT = "件数"
CHART_PERCENT = "%"

# Ledger (台账) columns, in order.
LEDGER_COLUMNS = (
    "编号", "登记时间", "受理时间", "办结时间", "关闭时间", "来源群", "网格", "地点", "楼栋",
    "类别（自动）", "类别（更正）", "紧急程度", "类型", "反映人", "负责人", "吹哨部门", "状态",
    "评价", "关闭原因", "重开次数", "“我也是”户数", "内容", "办理说明",
    # added later, at the end so that sheets built on the columns above keep working
    "来源", "社区",
)
RATING = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}
CLOSE_REASON = {"rated": "已评价", "unrated": "未评价", "duplicate": "重复合并",
                "project": "转为项目", "patrol": "巡查件无需评价"}
KIND = {"complaint": "诉求", "suggestion": "建议"}
ANONYMOUS = "匿名"
# Chart captions (bot.reports.charts): what each shows, the period, how many cases.
CAPTION_CATEGORIES = "📊 各类诉求数量：本期新登记的诉求和建议，按类别计数\n{scope}｜{period}｜共 {n} 件"
CAPTION_TREND = ("📈 每周趋势：每周新登记（新增）和办结的件数\n{scope}｜近 {weeks} 周"
                 "（{first:%m/%d}–{last:%m/%d}）｜新增 {opened} 件，办结 {resolved} 件")
CAPTION_RATES = ("📊 各网格三率（%）：响应率＝按时受理÷应受理，解决率＝已解决÷应解决，"
                 "满意率＝（满意＋基本满意）÷已评价\n{scope}｜{period}｜应受理 {due} 件，已评价 {rated} 件")
COMPARE_TITLE = "<b>各社区对比</b>（同一时段）"
COMPARE_LINE = "{name}：新增 {opened} · 响应率 {response} · 解决率 {resolve} · 满意率 {satisfaction} · 超时 {overdue}"
COMPARE_MORE = "……另有 {n} 个社区，点下方按钮分别查看"
