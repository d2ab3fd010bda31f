"""General texts: greetings, help, roles, binding, errors."""

INTERNAL_ERROR = "抱歉，处理您的消息时出错了，工作人员会跟进。请稍后再试。"
UNKNOWN_COMMAND = "没有这个命令。发送 /help 查看您可以使用的命令。"
NOT_ALLOWED = "抱歉，只有社区工作人员可以这样操作。"
PRIVATE_ONLY = "这个命令请在与机器人的私聊中使用。"
GROUP_ONLY = "这个命令请在小区居民群里使用。"
BUTTON_UNKNOWN = "这个按钮已失效。"
CANCELLED = "已取消，没有保存任何内容。"
NOTHING_TO_CANCEL = "现在没有进行中的操作。"

START = (
    "您好，{name}！我是「邻里」社区服务机器人。\n"
    "在小区群里直接说出您遇到的问题（如「3号楼楼道灯坏了」），我会登记成工单，"
    "交给负责的网格员，并把每一步进展告诉您。"
)

START_STAFF = (
    "您好，{name}！我是「邻里」社区服务机器人，会把居民在群里反映的问题登记成工单，"
    "按您的身份发给您办理；工单的新进展、超时提醒也会私聊告诉您。"
)

HELP_HEADER = "您的身份：{roles}\n\n您可以使用："
HELP_RESIDENT = [
    "直接在群里描述问题 — 自动登记工单",
    "/report — 私聊报事（文字+照片）",
    "/case 编号 — 查看工单进度",
    "/projects — 社区项目；/project 编号 — 项目详情与进展",
    "/faq — 常见问题（问答库）",
    "/propose 内容 — 提出议题，邻居可以附议；/topics — 居民议事",
    "/join — 登记为本社区居民（楼栋、房号）",
    "/wish 内容 — 许一个微心愿；/volunteer — 登记志愿者（双报到）；/points — 我的积分",
    "/reception_matter 编号 内容 — 预约书记接待日并说明要反映的事",
    "/whoami — 查看我的身份；/privacy、/mydata、/forget — 个人信息",
]
HELP_WORKER = ["/mycases — 我负责的工单（超时的在前）",
               "/round — 走访巡查（民情日志）；/household 3-2-301 — 一户一档",
               "/web — 网页工作台（一次性登录链接）"]
HELP_ORGANIZER = [
    "/bind — 在群里发送，把群绑定到网格",
    "/worker — 回复某人的消息或 /worker @用户名，设为网格员",
    "/cases — 工单列表（可筛选）",
    "/project_new、/project_update、/project_stage — 新建项目、发布进展、推进阶段",
    "/poll_new、/polls、/poll_results 编号 — 发起投票、投票列表、查看结果",
    "/stats、/export — 统计数据、导出台账",
    "/rank、/depts — 比学赶超排行、职能部门吹哨报到与评价（加「上月」看上个月）",
    "/faq_add、/faq_del — 维护问答库；/settings — 本社区工单设置",
    "/meeting 议题编号 — 召集议事会议；/topic_next — 推进议题；/reception — 书记接待日",
    "/topic_case、/topic_result — 决议分解为工单、结果公开",
    "/reception_list、/reception_result — 接待日事项与结果",
    "/activity_new — 发布志愿活动；/shop、/exchange — 爱心超市",
    "/resident_add、/resident_move、/resident_remove — 居民登记；发送花名册文件可批量导入",
    "/reload_rules — 重新加载分类规则",
]
# Street and district officers: their communities' cases and figures, not the communities'
# own organizer actions (unless they organise one too).
HELP_STREET = [
    "/cases — 本街道（区）各社区的工单，可接单、转派、吹哨、办结",
    "/stats、/export — 各社区统计对比、导出台账（可导出全街道）",
    "/rank、/depts — 比学赶超排行、职能部门吹哨报到与评价（加「上月」看上个月）",
]
ROLES_NONE = "居民"
WHOAMI = "{name}（ID {tg_id}）\n身份：{roles}"
WHOAMI_SENT = "已私聊发送给您。"
WHOAMI_START_FIRST = "请先私聊我发送 /start，再发 /whoami。"
GROUP_CHAT_ID = "群「{title}」的 chat_id：{chat_id}\n（写入组织架构文件 groups: 一项的 chat_id）"
ROLE_LINE = "{label}{where}"

GROUP_HELLO = (
    "大家好，我是「邻里」社区服务机器人 👋\n"
    "请社区工作人员在本群发送 /bind，把本群绑定到所属网格；"
    "绑定后，居民在群里反映的问题会自动登记并交给网格员处理。"
)
GROUP_HELLO_BOUND = (
    "大家好，我是「邻里」社区服务机器人 👋\n"
    "在群里直接说出您遇到的问题（如「3号楼楼道灯坏了」），我会登记成工单，交给网格员处理。"
)
PRIVACY_WARNING = (
    "⚠️ 我在群「{title}」里只能看到命令和回复我的消息，看不到群里的普通发言，无法自动登记问题。\n"
    "解决办法（任选其一）：\n"
    "1. 把我设为本群管理员；或\n"
    "2. 在 @BotFather 中发送 /setprivacy，选择本机器人，设为 Disable，然后把我移出群再重新拉进来。"
)
PRIVACY_OK = "✅ 我已是群「{title}」的管理员，可以看到群里的发言了。"
PRIVACY_ASK_ADMIN = "请群主把我设为本群管理员，我才能看到大家反映的问题。"

BIND_CHOOSE = "请选择本群所属的网格："
BIND_NO_GRIDS = "还没有可绑定的网格。请联系系统管理员先导入社区的组织架构（网格和网格员）。"
BIND_DONE = "✅ 本群已绑定到「{where}」。居民反映的问题将交给该网格的网格员处理。"
BIND_NOTICE = "已绑定"

WORKER_HOW = "用法：回复某人的消息发送 /worker，或发送 /worker @用户名。"
WORKER_NO_GRID = "本群还没有绑定网格，请先 /bind。"
WORKER_UNKNOWN = "找不到用户 {who}。请让对方先在群里发言或私聊机器人 /start。"
WORKER_DONE = "✅ 已将 {name} 设为「{grid}」的网格员。"
WORKER_NOTIFY = "您已被设为「{grid}」的网格员。发送 /mycases 查看待办工单。"

UNBOUND_GROUP = "本群尚未绑定网格，社区工作人员发送 /bind 即可开始使用。"
