"""Chinese texts of the register of residents (一楼一档)."""
from __future__ import annotations

from bot.db.models.people import REGISTER_ROLES

ROLE_LIST = "、".join(["楼栋长（楼门管家）", *list(REGISTER_ROLES.values())[1:]])

# --- the roster file -----------------------------------------------------------------------
ROSTER_FORMAT = "请发送 .xlsx 或 .csv 格式的居民花名册。"
ROSTER_UNREADABLE = "这个文件打不开，请另存为 .xlsx 或 UTF-8 编码的 .csv 后再发送。"
ROSTER_NO_HEADER = ("没有找到表头。花名册前几行里要有一行列名，至少包括「姓名」和「房号」"
                    "（还可以有 楼栋、单元、电话、身份/角色、备注）。")
ROSTER_TOO_BIG = "花名册太大（超过 {n} 行），请分成几个文件。"
ROSTER_EMPTY = "花名册里没有居民。"
ROW_ERROR = "第{line}行：{problem}"
ROW_BAD_ROOM = "房号「{value}」看不懂（例如 301、2单元301、3-2-301）"
ROW_NO_BUILDING = "缺少楼栋"
ROW_NO_NAME = "缺少姓名"
ROW_LONG_NAME = "姓名太长"
ROW_BAD_PHONE = "电话「{value}」不是有效的号码"
ROW_BAD_ROLE = "身份「{value}」不认识（可填：" + ROLE_LIST + "）"
ROW_UNKNOWN_BUILDING = "楼栋「{value}」不在本社区的网格里（已有：{known}）"
ROW_DUPLICATE = "与第{other}行重复"
ROSTER_FAILED = "花名册有 {n} 处错误，没有导入任何内容。请改好后重新发送：\n{errors}"
ROSTER_MORE = "……还有 {n} 处"
ROSTER_DONE = ("✅ 已导入「{community}」居民花名册：新登记 {new} 人，更新 {updated} 人，"
               "搬迁 {moved} 人，无变化 {same} 人，共 {households} 户。")
ROSTER_WHICH = "您管理多个社区，请在文件说明里写上社区名称（例如：东湖社区），再发送一次。"
ROSTER_NOT_STAFF = "只有社区工作人员可以导入居民花名册。"

# --- /join ------------------------------------------------------------------------------------
JOIN_CHOOSE_COMMUNITY = "登记为本社区居民：请选择您的社区。"
JOIN_CHOOSE_BUILDING = "请选择您住的楼栋（第 {page}/{pages} 页）："
JOIN_CHOOSE_ROOM = ("请选择您家的房号（{building}，第 {page}/{pages} 页）。\n"
                    "列表里没有的话，直接发送单元和房号，例如：2单元301")
JOIN_TYPE_ROOM = "{building} 还没有登记的房号。请直接发送单元和房号，例如：2单元301（没有单元就发 301）"
JOIN_NO_BUILDINGS = "社区还没有登记楼栋，请联系社区工作人员。"
JOIN_BAD_ROOM = "没看懂这个房号。请发送单元和房号，例如：2单元301 或 301。发送 /cancel 取消。"
JOIN_ALREADY = "您已登记为 {community} {place} 的居民。如需搬迁或注销，请联系社区工作人员。"
JOIN_SENT = "已提交登记申请：{place}。社区工作人员或楼栋长审核后会通知您。"
JOIN_PENDING_SAME = "您的登记申请（{place}）正在等待审核，请耐心等候。"
JOIN_ASK = "📝 登记申请：{name} 申请登记为 {community} {place} 的居民。"
JOIN_ASK_HOUSEHOLD = "该户已登记：{names}"
JOIN_ASK_EMPTY = "该户还没有登记的居民。"
BTN_APPROVE = "✅ 同意"
BTN_REJECT = "❌ 不同意"
JOIN_APPROVED = "✅ 您的登记申请已通过：{community} {place}。现在可以参加只限登记居民的投票了。"
JOIN_REJECTED = "您的登记申请（{place}）没有通过。如有疑问，请联系社区工作人员。"
JOIN_DONE_APPROVED = "✅ 已同意：{name} 登记为 {place} 的居民。"
JOIN_DONE_REJECTED = "已拒绝 {name} 的登记申请（{place}）。"
JOIN_DECIDED = "这个申请已经处理过了（{status}）。"
JOIN_STATUS = {"approved": "已同意", "rejected": "已拒绝", "cancelled": "已撤回"}
JOIN_NOT_YOURS = "只有社区工作人员或本楼楼栋长可以审核登记申请。"
JOIN_NOBODY = "（社区还没有可以审核的工作人员，请直接联系社区。）"
PREV, NEXT = "« 上一页", "下一页 »"

# --- organizer commands ------------------------------------------------------------------------
ADD_HOW = ("用法：/resident_add 楼栋房号 姓名 [电话] [身份…]\n"
           "例如：/resident_add 3号楼2单元301 陈阿姨 13800000000 楼栋长")
MOVE_HOW = "用法：/resident_move 姓名或编号 新房号，例如：/resident_move 陈阿姨 3-2-302"
REMOVE_HOW = "用法：/resident_remove 姓名或编号 [原因]，例如：/resident_remove 陈阿姨 搬走了"
HOUSEHOLD_HOW = "用法：/household 房号，例如：/household 3-2-301"
RESIDENTS_HOW = "用法：/residents 楼栋，例如：/residents 3号楼"
NO_COMMUNITY = "抱歉，只有社区工作人员和网格员可以查看和修改居民登记。"
BAD_PLACE = "没看懂房号「{value}」，或者本社区没有这个楼栋。例如：3号楼2单元301、3-2-301"
NO_HOUSEHOLD = "本社区没有登记 {value} 这一户。"
NO_SUCH = "没有找到登记居民「{value}」。"
MANY = "有 {n} 位登记居民叫「{value}」，请用编号：\n{lines}"
MANY_LINE = "#{id} {name}（{place}）"
ADDED = "✅ 已登记：{name}，{place}{roles}。"
UPDATED = "✅ 已更新：{name}，{place}{roles}。"
MOVED = "✅ 已将 {name} 从 {old} 迁到 {place}（已记录）。"
REMOVED = "✅ 已注销 {name}（原 {place}），已记录在该户的历史里。"
ROLES_SUFFIX = "，身份：{roles}"

HOUSEHOLD_CARD = "🏠 {place}（{label}）\n登记居民："
HOUSEHOLD_NOBODY = "  （暂无）"
RESIDENT_LINE = "  #{id} {name}{phone}{roles}{tg}"
TG_MARK = " 📱"
HISTORY = "变动记录："
HISTORY_LINE = {
    "joined": "  {at} {name} 登记入住",
    "moved_in": "  {at} {name} 迁入（自 {other}）",
    "moved_out": "  {at} {name} 迁出（到 {other}）",
    "left": "  {at} {name} 注销{note}",
}
BUILDING_LIST = "🏢 {building}：{households} 户，{residents} 人"
BUILDING_EMPTY = "🏢 {building}：还没有登记的居民。"
BUILDING_LINE = "  {place}：{names}"
BUILDING_MORE = "  ……（太多了，请用 /household 房号 查看某一户）"

# --- the resident's own data (/mydata, /forget: bot.people.personal) -------------------------
MYDATA_PURPOSE = ("一楼一档：社区居民登记（住户、房号、电话、楼栋长等身份），用于核实居民身份、"
                  "每户一票的投票和网格员走访；搬迁记录随住户档案保存")
MYDATA_STATUS = {"active": "在册", "left": "已注销"}
MYDATA_MOVE = {"joined": "登记入住", "moved": "搬迁", "left": "注销"}
MYDATA_JOIN = {"pending": "待审核", "approved": "已同意", "rejected": "未同意"}
FORGOTTEN_NAME = "（已删除信息的居民）"
FORGOTTEN_NOTE = "本人申请删除个人信息"
