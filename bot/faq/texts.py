"""The 问答库's Chinese texts."""
from __future__ import annotations

# --- residents, in the group ----------------------------------------------------------------
ANSWER = "💡 {answer}\n\n（问答库自动回复「{question}」；没解决的话，请直接说明具体情况。）"
ROUTED = "💬 这个问题已转给本网格的工作人员，答复后会在这里回复您。"
POINTER = "💬 咨询类问题可私聊我发送 /help，或联系本网格网格员。需要报事请直接描述问题。"
REPLIED = "💬 关于您的问题，{worker}答复：\n{answer}"

# --- workers --------------------------------------------------------------------------------
TO_WORKER = ("❓ 居民咨询｜{title}\n{asker}：{text}\n\n问答库里没有现成答案。点「回复」，"
             "然后发送您的答复，我会在群里回复这位居民。")
BTN_REPLY = "回复"
BTN_KEEP = "加入问答库"
ASK_REPLY = "请发送您对这条咨询的答复（一条消息，{limit} 字以内；发送 /cancel 取消）：\n{text}"
REPLY_SENT = "已在群里回复居民。以后别人问同样的问题，可以由问答库直接回答："
ALREADY_REPLIED = "这条咨询已由{worker}回复过了。"
NOT_YOURS = "这条咨询不在您负责的网格，无法回复。"
REPLY_EMPTY = "答复不能为空，请重新发送（/cancel 取消）。"
REPLY_TOO_LONG = "答复太长了（{n} 字），请控制在 {limit} 字以内后重新发送。"
REPLY_EXPIRED = "这条咨询已不在等待答复，按钮已失效。"
KEPT = "已加入问答库（#{id}）。"
ALREADY_KEPT = "这条答复已经在问答库里了（#{id}）。"

# --- organizers -----------------------------------------------------------------------------
LIST_HEAD = "📚 {community}问答库（{n} 条）"
LIST_EMPTY = ("📚 {community}问答库还是空的。\n添加：/faq_add 问题 | 答案\n"
              "例如：/faq_add 物业办公时间 | 周一至周六 8:30–17:30，3号楼一楼物业中心")
LIST_LINE = "#{id} 问：{question}{keywords}\n答：{answer}"
LIST_STAFF = "（{source}，{who}，{when:%Y-%m-%d}，已回答 {hits} 次）"
LIST_KEYWORDS = "（关键词：{words}）"
LIST_FOOT = "\n删除：/faq_del 编号　添加：/faq_add 问题 | 答案"
SOURCES = {"chat": "聊天添加", "file": "组织架构文件", "inquiry": "咨询答复"}
ADD_HOW = ("用法：/faq_add 问题 | 答案 [| 关键词 关键词…]\n"
           "例如：/faq_add 物业办公时间 | 周一至周六 8:30–17:30，3号楼一楼物业中心 | 物业 上班 下班\n"
           "也可以只发 /faq_add，我一步步问您。")
ADD_ASK_QUESTION = "请发送问题：居民一般会怎么问（例如：物业几点上班）。发送 /cancel 取消。"
ADD_ASK_ANSWER = "请发送这个问题的答案。发送 /cancel 取消。"
ADDED = "已加入{community}问答库（#{id}）：\n问：{question}\n答：{answer}"
UPDATED = "问答库已有这个问题（#{id}），答案已更新：\n问：{question}\n答：{answer}"
QUESTION_BAD = "问题请写 2 到 {limit} 个字。"
ANSWER_BAD = "答案请写 1 到 {limit} 个字。"
DEL_HOW = "用法：/faq_del 编号（编号见 /faq）"
DELETED = "已从问答库删除 #{id}：{question}"
NOT_FOUND = "问答库里没有 #{id}（编号见 /faq）。"
ORGANIZERS_ONLY = "只有社区工作人员可以管理问答库。"
NO_COMMUNITY = "这个群还没有绑定社区网格，没有问答库。"
NO_HOME = "还不知道您住在哪个社区：请在小区群里发送 /faq 查看问答库。"
