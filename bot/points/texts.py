"""Volunteers, 双报到, activities, 志愿积分 and the 爱心超市: texts (plain text)."""

KINDS = {"volunteer": "志愿者", "party": "在职党员（双报到）"}


def kind_of(kind: str, unit: str | None) -> str:
    """志愿者, or 在职党员（双报到，区税务局）."""
    return f"在职党员（双报到，{unit}）" if kind == "party" and unit else KINDS[kind]


REASONS = {"wish": "认领微心愿", "hour": "志愿服务", "report": "随手拍有效反映",
           "pledge": "兑现出力承诺", "manual": "社区奖励", "exchange": "爱心超市兑换"}
REASON_WORDS = {"随手拍": "report", "出力": "pledge", "认捐": "pledge", "服务": "hour",
                "心愿": "wish", "奖励": "manual"}

WHERE = "请先在小区群里发言，或让社区工作人员为您登记所在小区，再私聊我。"
REGISTER_HOW = ("登记志愿者：/volunteer\n在职党员（双报到）：/volunteer 双报到 单位名称\n"
                "登记后可以报名志愿活动、认领微心愿，服务可得志愿积分，积分可在爱心超市兑换。")
REGISTERED = "✅ 已登记为{kind}。我的积分：/points　活动会发到小区群里。"
UNIT_NEEDED = "双报到请写明单位：/volunteer 双报到 单位名称"

ACTIVITY_TEMPLATE = ("发布志愿活动：复制模板填写后发送：\n\n/activity_new\n标题：楼道清洁日\n"
                     "时间：2026-12-12 09:00\n地点：3号楼门口\n名额：10\n时长：2")
ACTIVITY_NEED = "请填写「{field}：」。"
ACTIVITY_BAD = "「{field}」填写有误：{value}"
ACTIVITY_POST = ("🙋 志愿活动 #{id}：{title}\n时间：{when}\n地点：{place}\n名额：{slots} 人（已报名 {taken} 人）\n"
                 "服务时长 {hours} 小时，可得志愿积分。点「报名」参加。")
ACTIVITY_DONE = ("✅ 已发布活动 #{id} 到 {groups} 个群。签到码：{code}（现场告诉参加者，"
                 "他们私聊发送 /checkin {code}），或 /activity_checkin {id} @用户名")
SIGNUP_BUTTON = "🙋 报名"
SIGNED_UP = "已报名活动 #{id}（{taken}/{slots}）。到场后私聊我 /checkin 签到码。"
SIGNUP_AGAIN = "您已经报名了活动 #{id}。"
SIGNUP_FULL = "活动 #{id} 名额已满。"
SIGNUP_START = "请先私聊我点「开始」(/start)，才能收到活动提醒。"
NO_SUCH_ACTIVITY = "没有找到活动 #{id}。"
CHECKIN_HOW = "签到：/checkin 签到码（活动现场由组织者告知）"
CHECKIN_BAD = "签到码不对，或您没有报名这个活动。"
CHECKED_IN = "✅ 已签到活动 #{id}「{title}」，获得志愿积分 {points} 分。当前积分 {balance} 分。"
CHECKIN_AGAIN = "您已经签到过活动 #{id}。"
ACTIVITY_CHECKIN_HOW = "用法：/activity_checkin 活动编号 @用户名 …"
ACTIVITY_CHECKED = "活动 #{id} 已签到：{names}（每人 {points} 分）。"
NOT_SIGNED = "{names} 没有报名活动 #{id}。"

BALANCE = "💰 {name}的志愿积分：{balance} 分"
LEDGER_LINE = "· {when} {amount:+d} {reason}{note}{who}"
LEDGER_EMPTY = "还没有积分记录。登记志愿者 /volunteer，参加活动、认领微心愿都可以得积分。"
GRANT_HOW = ("用法：/points_grant @用户名 类型 [数量] [说明]\n类型：随手拍、出力、服务（数量=小时）、"
             "奖励（数量=分数）")
GRANTED = "✅ 已给 {who} 记 {amount} 分（{reason}）。当前 {balance} 分。"
GRANTED_NOTE = "🎉 您获得志愿积分 {amount} 分（{reason}{note}），当前 {balance} 分。"
GRANT_TWICE = "这件事已经记过积分了。"
UNKNOWN_PERSON = "找不到用户 {who}。请让对方先在群里发言或私聊机器人 /start。"
NOT_ORGANIZER = "只有本社区的工作人员可以这样操作。"

BOARD_HEADER = "🏅 {community} {month} 志愿积分榜"
BOARD_LINE = "{rank}. {name} {points} 分"
BOARD_EMPTY = "本月还没有人获得志愿积分。"
BOARD_FOOT = "不想上榜？私聊我 /leaderboard_off"
BOARD_OFF = "好的，您不会出现在积分榜上（积分照常累计）。恢复：/leaderboard_on"
BOARD_ON = "好的，您会出现在积分榜上。"

SHOP_HEADER = "🛒 {community} 爱心超市"
SHOP_LINE = "· {name}：{cost} 分{stock}"
SHOP_STOCK = "（剩 {stock} 件）"
SHOP_EMPTY = "爱心超市还没有上架商品。工作人员：/shop_add 商品名 积分 [库存]"
SHOP_ADD_HOW = "用法：/shop_add 商品名 所需积分 [库存]，例如 /shop_add 洗衣液 50 20"
SHOP_ADDED = "✅ 已上架「{name}」，{cost} 分{stock}。"
EXCHANGE_HOW = "用法：/exchange @用户名 商品名 [数量]（工作人员在爱心超市登记兑换）"
NO_SUCH_ITEM = "爱心超市没有「{name}」。/shop 查看商品。"
OUT_OF_STOCK = "「{name}」库存不足（剩 {stock} 件）。"
NOT_ENOUGH = "{who} 的积分不够：需要 {cost} 分，现有 {balance} 分。"
EXCHANGED = "✅ 已登记兑换：{who} 用 {cost} 分换「{name}」×{count}，剩余 {balance} 分。"
EXCHANGED_NOTE = "🛒 您在爱心超市用 {cost} 分兑换了「{name}」×{count}，剩余 {balance} 分。"
