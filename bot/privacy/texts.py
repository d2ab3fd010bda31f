"""Texts of residents' rights (个人信息保护法): /privacy, /mydata, /forget."""

PRIVACY = (
    "🔒 邻里助手如何对待您的个人信息\n\n"
    "我们保存什么、为什么：\n"
    "• 您的 Telegram 名字、用户名和编号：为了认出您、给您回复。\n"
    "• 您登记的房号、电话和角色（居民、网格员等）：为了核实居民身份、把问题派给对的人。\n"
    "• 您在群里反映的问题（工单）：为了办理、回访，并统计社区问题。\n"
    "• 您的投票和参与承诺：为了计票、防止重复投票。匿名投票谁投了什么，任何人都看不到。\n"
    "• 机器人收到和发出的消息：为了不漏消息、出错能重试。\n\n"
    "保存多久：收到和发出的原始消息 {days} 天后自动删除；工单和投票结果按社区档案保存，"
    "但您可以随时让我们删除与您有关的信息。\n\n"
    "群里公布的内容会自动隐藏电话、身份证号、车牌、房号、微信号等。导出台账会留下记录（谁、何时、导出了什么）。\n\n"
    "您的权利：\n"
    "/mydata 私聊发送给您我们保存的关于您的全部信息\n"
    "/forget 删除您的个人信息（工单统计保留，但不再与您有关）"
)
MYDATA_CAPTION = "这是我们保存的关于您的全部信息（JSON 文件），每一项都写明了用途。"
MYDATA_FILENAME = "我的数据.json"
FORGET_ASK = (
    "确定要删除您的个人信息吗？\n\n"
    "• 您的名字、用户名、电话、房号、角色和投票、参与承诺将被删除；"
    "您在社区居民登记（一楼一档）里的信息一并注销删除，住户档案只保留“有居民迁出”的记录；\n"
    "• 您反映过的工单会保留用于统计，但改为匿名，其中的电话、房号等会被隐藏；"
    "还没办完的工单继续由工作人员匿名办理；\n"
    "• 机器人保存的您的消息将被删除。\n\n"
    "此操作不能撤销。"
)
BTN_FORGET = "确认删除我的信息"
BTN_KEEP = "取消"
FORGET_DONE = (
    "✅ 已删除您的个人信息：工单 {cases} 件改为匿名，投票 {votes} 条、承诺 {pledges} 条、"
    "居民登记 {register} 条、消息 {messages} 条已删除。\n以后您再使用机器人，我们会像对待新朋友一样重新开始。"
)
FORGET_KEPT = "好的，什么都没有删除。"

# /mydata: the purpose of each section
PURPOSE = {
    "profile": "认出您、给您回复；房号和电话用于核实居民身份和联系您办理问题",
    "roles": "决定您能做什么（居民投票资格、网格员办理工单等）",
    "cases": "办理您反映的问题、回访和统计",
    "votes": "计票和防止重复投票（匿名投票只有您自己能看到这里的选择）",
    "pledges": "项目中您承诺的参与（出钱、出力）",
    "groups": "计算投票的应参与人数",
    "messages": "保证消息不丢失、出错可重试；{days} 天后自动删除",
    "sent_to_you": "机器人私聊发给您的消息；{days} 天后自动删除",
    "exports": "您导出过的数据（导出记录）",
    "wishes": "微心愿：审核、发布（公开内容隐去住址电话）、联系认领人；您同意交换的电话",
    "points": "志愿者登记、志愿积分的每一笔（积分榜、爱心超市兑换）",
    "council": "居民议事（提出、附议的议题）和书记接待日（预约、想谈的事、处理结果）",
}

# The original message with a phone, ID or bank-card number (bot.privacy.guard)
GUARD_REPOST = "{name} 说（号码已隐藏）：\n{text}"
GUARD_SOMEONE = "一位居民"
GUARD_REPOSTED = (
    "您在「{title}」发的消息里有电话、身份证或银行卡号。为保护您的隐私，机器人已把原消息删除，"
    "并以您的名义重新发出（号码已隐藏）。\n需要工作人员联系您时，请直接在这里私聊告诉我。")
GUARD_PLEASE_DELETE = (
    "您在「{title}」发的消息里有电话、身份证或银行卡号，群里所有人都能看到。\n"
    "建议长按那条消息，选择“删除”，再重新发送不带号码的内容；需要工作人员联系您时，"
    "请在这里私聊告诉我，号码不会公开。")
GUARD_PLEASE_DELETE_GROUP = (
    "⚠️ 这条消息里有电话或证件号码，群里所有人都能看到。建议长按消息选择“删除”，"
    "号码可以私聊机器人提供。")
GUARD_ON_WORDS = ("开", "开启", "打开", "on")
GUARD_OFF_WORDS = ("关", "关闭", "off")
GUARD_USAGE = "用法：在群里发送 /guard 开 或 /guard 关（只有本社区的组织者可以设置）。"
GUARD_UNBOUND = "这个群还没有绑定网格，请先用 /bind 绑定。"
GUARD_NOT_ORGANIZER = "只有本社区的组织者可以设置号码保护。"
GUARD_IS_ON = "号码保护：开启。群里带电话、身份证或银行卡号的消息会被删除，并隐藏号码后重新发出。"
GUARD_IS_ON_NOT_ADMIN = (
    "号码保护：开启，但机器人还不是群管理员，只能私下提醒发消息的人自己删除。"
    "把机器人设为管理员（需要“删除消息”权限）后会自动隐藏号码后重发。")
GUARD_IS_OFF = "号码保护：关闭。发送 /guard 开 可以重新开启。"

# /exports: the export record, for admins (bot.privacy.audit)
EXPORTS_ADMINS = "只有管理员可以查看导出记录。"
EXPORTS_NONE = "还没有任何导出记录。"
EXPORTS_HEAD = "📋 最近 {n} 次导出（谁、何时、导出了什么）："
EXPORTS_LINE = "• {at:%Y-%m-%d %H:%M} {who}：{what} {scope}（{fmt}，{rows} 行，{masked}）"
EXPORT_WHAT = {"ledger": "工单台账", "poll": "投票结果"}
EXPORT_MASKED = "已隐藏个人信息"
EXPORT_UNMASKED = "明文，理由：{reason}"
