"""Residents' council (居民议事, 四议两公开) texts. Plain text (no parse mode)."""

STAGES = {
    "propose": "提议",
    "consult": "商议",
    "review": "审议",
    "resolve": "决议",
    "dropped": "未通过",
}
SOURCES = {"resident": "居民提议", "case": "居民诉求转议题", "organizer": "社区提议",
           "project": "社区项目", "reception": "书记接待日"}
RULES = {"majority": "过半数同意", "two_thirds": "三分之二以上同意"}
CHOICES = {"yes": "同意", "no": "反对", "abstain": "弃权"}
MEETING_STATES = {"called": "已召集", "voting": "表决中", "decided": "已表决",
                  "no_quorum": "未达法定人数", "cancelled": "已取消"}

# --- topics ---------------------------------------------------------------------------
PROPOSE_HOW = ("提出议题：/propose 议题内容\n例如：/propose 小区东门加装雨棚，方便老人等车\n"
               "邻居们可以在群里点「附议」支持；社区会按「提议→商议→审议→决议」组织议事。")
PROPOSE_TOO_LONG = "议题内容最多 500 个字，请精简后再发。"
PROPOSE_WHERE = "请在小区群里发送 /propose，或先让社区工作人员为您登记所在小区。"
PROPOSED_GROUP = "✅ 已登记为议题 #{id}，并发到本社区的群里。"
PROPOSED_PRIVATE = "✅ 您的提议已登记为议题 #{id}，已发到小区群，邻居们可以附议。进展会私聊告诉您。"
TOPIC_POST = "📋 议题 #{id}｜{title}\n来源：{source}\n阶段：{stage}\n{text}\n\n同意这个议题，请点「附议」（每人一次）。"
SUPPORT_BUTTON = "👍 附议"
SUPPORTED = "已附议议题 #{id}，目前共 {count} 人附议。"
SUPPORT_AGAIN = "您已经附议过议题 #{id}（共 {count} 人附议）。"
SUPPORT_CLOSED = "议题 #{id} 已{stage}，不再接受附议。"
NO_SUCH_TOPIC = "没有找到议题 #{id}。"
OTHER_COMMUNITY = "议题 #{id} 不属于本社区。"
NUMBER_HOW = "请写议题编号，例如：{example}"
NOT_ORGANIZER = "只有本社区的工作人员可以组织议事。"
TOPIC_FROM_CASE_HOW = "用法：/topic_from_case 工单编号"
NO_SUCH_CASE = "没有找到工单 {number}。"
CASE_TOPIC_EXISTS = "工单 {number} 已转为议题 #{id}。"
FROM_CASE_DONE = "✅ 工单 {number} 已转为议题 #{id}，已发到小区群征集附议。"
FROM_CASE_NOTIFY = "您反映的问题（{number}）已列为居民议事议题 #{id}，议事进展会告诉您。"

LIST_HEADER = "📋 {community}的议题"
LIST_ITEM = "#{id} {title}｜{stage}｜附议 {count} 人"
LIST_EMPTY = "{community}还没有议题。居民可以发送 /propose 议题内容 提出。"

CARD = "📋 议题 #{id}｜{title}\n来源：{source}\n阶段：{stage}\n附议：{count} 人\n{text}"
CARD_STEPS = "\n议事记录："
CARD_STEP = "· {when} {what}{who}"
CARD_DECISION = "\n决议：{decision}"
CARD_RESULT = "\n结果：{result}"
CARD_MEETING = "\n会议 #{id}：{when}，{place}，{state}"

STEP_STAGE = "进入「{stage}」"
STEP_CREATED = "提出议题"
STEP_MEETING = "召集会议 #{id}"
STEP_NO_QUORUM = "会议 #{id} 未达法定人数，未作决议"
STEP_PASSED = "决议通过"
STEP_REJECTED = "决议未通过"
STEP_RESULT = "结果公开"

NEXT_HOW = "用法：/topic_next 议题编号 [说明]，推进到下一步（提议→商议→审议）。"
NEXT_DONE = "议题 #{id} 已进入「{stage}」，已记录（{who}，{when}）。"
NEXT_NEEDS_MEETING = "议题 #{id} 已在「审议」：决议须经议事会议表决。召集会议：/meeting {id}"
NEXT_FINISHED = "议题 #{id} 已{stage}，不能再推进。"

# --- meetings ---------------------------------------------------------------------------
MEETING_TEMPLATE = (
    "召集议事会议：复制下面的模板，填写后发送（时间、地点、参会必填）：\n\n"
    "/meeting {id}\n"
    "时间：2026-12-10 19:00\n"
    "地点：社区活动室（或：线上）\n"
    "参会：居民代表 楼栋长 业委会 物业（或 @用户名、姓名 …，或：全体居民）\n"
    "法定人数：过半（或 三分之二，或 人数）\n"
    "表决：过半（或 三分之二）\n"
    "记名：否"
)
MEETING_NEED = "请填写「{field}：」。"
MEETING_BAD_TIME = "时间格式：2026-12-10 19:00（{value}）"
MEETING_PAST = "会议时间 {value} 已经过去了。"
MEETING_BAD_QUORUM = "法定人数请写「过半」「三分之二」或 1 到 {count} 之间的人数（{value}）。"
MEETING_BAD_RULE = "表决规则请写「过半」或「三分之二」（{value}）。"
MEETING_UNKNOWN = "找不到参会人：{names}。请让对方先在群里发言或私聊机器人 /start，或在名册中登记。"
MEETING_NOBODY = "没有找到参会人。请写 @用户名、姓名，或 居民代表 / 楼栋长 / 业委会 / 物业 / 全体居民。"
MEETING_TOPIC_DONE = "议题 #{id} 已{stage}，不需要再开会。"
MEETING_OPEN = "议题 #{id} 已有会议 #{meeting} 在进行，请先结束它。"
MEETING_CALLED = ("✅ 已召集会议 #{id}（议题 #{topic}），{when}，{place}。\n"
                  "参会 {seats} 人，法定人数 {quorum} 人，表决规则：{rule}，{secret}。\n"
                  "已私聊通知 {told} 人。{untold}\n"
                  "签到：参会人点通知里的「签到」，或 /meeting_attend {id} @用户名\n"
                  "开始表决：/meeting_vote {id}　结束并公布：/meeting_close {id} 会议纪要")
MEETING_UNTOLD = "以下参会人没有私聊过机器人，请另行通知：{names}"
SECRET = {True: "无记名投票", False: "⚠️ 记名投票（谁投了什么会记录在案，工作人员可见）"}
NOTICE = ("📣 居民议事会议通知\n议题 #{topic}：{title}\n时间：{when}\n地点：{place}\n"
          "表决规则：{rule}，{secret}\n请准时参加，到场后点「签到」。")
REMINDER = "⏰ 提醒：议事会议（议题 #{topic}：{title}）将于 {when} 在 {place} 召开。"
CHECKIN_BUTTON = "✅ 签到"
CHECKED_IN = "已签到会议 #{id}。"
CHECKIN_AGAIN = "您已签到过会议 #{id}。"
CHECKIN_EARLY = "会议 #{id} 于 {when} 开始，开始前 1 小时内才能签到。"
NOT_A_SEAT = "您不是会议 #{id} 的参会人。"
MEETING_OVER = "会议 #{id} {state}，不能再签到或投票。"
NO_SUCH_MEETING = "没有找到会议 #{id}。"
ATTEND_HOW = "用法：/meeting_attend 会议编号 @用户名或姓名 …（为到场但没点签到的参会人登记）"
ATTENDED = "会议 #{id} 已登记出席：{names}。现到会 {present}/{seats} 人（法定人数 {quorum} 人）。"
ATTEND_NOT_SEATS = "{names} 不是会议 #{id} 的参会人。"

VOTE_NO_QUORUM = ("会议 #{id} 到会 {present} 人，未达法定人数 {quorum} 人：本次会议不作决议，已记录。"
                  "请另行召集：/meeting {topic}")
VOTE_OPENED = "🗳 会议 #{id} 开始表决：已私聊 {told} 位到会参会人发出表决票。结束：/meeting_close {id} 会议纪要"
VOTE_NOT_CALLED = "会议 #{id} {state}，不能开始表决。"
BALLOT = "🗳 会议 #{id} 表决\n议题 #{topic}：{title}\n{secret}，每人一票，投出后不能更改。请选择："
VOTED = "已投票（{choice}）。结果会在会议结束时公布。"
VOTED_ANON = "已投票。无记名投票：只统计票数，不记录您投了什么。"
VOTE_AGAIN = "您已经投过票了。"
VOTE_NOT_PRESENT = "您没有签到，不能参加会议 #{id} 的表决。"
VOTE_NOT_OPEN = "会议 #{id} 还没有开始表决。"
CLOSE_HOW = "用法：/meeting_close 会议编号 会议纪要（纪要会随决议公开）"
CLOSE_NOT_VOTING = "会议 #{id} {state}：请先 /meeting_vote {id} 开始表决。"
CLOSED_PASSED = "✅ 会议 #{id} 表决通过，决议和纪要已公开到 {groups} 个群。"
CLOSED_REJECTED = "会议 #{id} 表决未通过，结果和纪要已公开到 {groups} 个群。"
TO_PROJECT_HINT = ("\n决议事项转为社区项目落实：/topic_project {topic}；或分解为工单："
                   "/topic_case {topic} 任务内容；落实后公开结果：/topic_result {topic} 落实结果")

# --- publications (两公开) -----------------------------------------------------------------
DECISION_POST = ("📢【决议公开】议题 #{topic}：{title}\n"
                 "居民议事会议 {when}，{place}\n"
                 "应到 {seats} 人，实到 {present} 人（法定人数 {quorum} 人）\n"
                 "表决：同意 {yes} 票，反对 {no} 票，弃权 {abstain} 票，未投 {blank} 人 —— {verdict}（{rule}）\n"
                 "会议纪要：{minutes}")
VERDICT = {True: "通过", False: "未通过"}
DECISION_PROJECT = {True: "\n决议事项由社区项目 #{project} 落实，进展：/project {project}",
                    False: "\n社区项目 #{project} 暂不进入实施。"}
NO_QUORUM_POST = ("📢 议题 #{topic}：{title}\n居民议事会议 {when} 到会 {present} 人，"
                  "未达法定人数 {quorum} 人，本次未作决议，社区将另行召集。")
DECISION_TEXT = "会议 #{id} 表决{verdict}：同意 {yes}，反对 {no}，弃权 {abstain}（实到 {present}/{seats}）"
SUPPORTER_NOTE = "您附议的议题 #{topic}「{title}」有了决议：{verdict}。详情见小区群的【决议公开】。"
RESULT_POST = "📢【结果公开】议题 #{topic}：{title}\n{result}"
TASK_HOW = "用法：/topic_case 议题编号 任务内容（决议事项分解为工单，由网格员负责办理）"
TASK_NOT_PASSED = "议题 #{id} 目前是「{stage}」：只有通过的决议才能分解落实。"
TASK_CASE_TEXT = "{text}（居民议事议题 #{topic}「{title}」决议事项）"
TASK_CASE_EVENT = "居民议事议题 #{topic} 的决议事项"
STEP_TASK = "决议事项转为工单 {number}：{text}"
TASK_DONE = "✅ 议题 #{id} 的决议事项已转为工单 {number}，按工单流程办理。全部落实后公开结果：/topic_result {id} 落实结果"
NO_GRID = "本社区还没有网格，不能转为工单。"
TOPIC_RESULT_HOW = "用法：/topic_result 议题编号 落实结果（公开到群里，附议的居民会收到通知）"
TOPIC_RESULT_NOT_PASSED = "议题 #{id} 目前是「{stage}」：只有通过的决议才公开落实结果。"
TOPIC_RESULT_BY_PROJECT = "议题 #{id} 由项目 #{project} 落实，项目结束时会自动公开结果。"
TOPIC_RESULT_AGAIN = "议题 #{id} 的结果已经公开过了。"
TOPIC_RESULT_DONE = "✅ 议题 #{id} 的落实结果已公开到 {groups} 个群。"
SUPPORTER_RESULT = "您附议的议题 #{topic}「{title}」已落实，结果见小区群的【结果公开】。"
OUTSIDE_DECISION = "{how}（{who}确认）"

# --- into a project -----------------------------------------------------------------------
TO_PROJECT_HOW = "用法：/topic_project 议题编号，把已通过的决议事项转为社区项目落实。"
TO_PROJECT_NOT_PASSED = "议题 #{id} 还没有通过决议，不能转为项目。"
TO_PROJECT_EXISTS = "议题 #{id} 已有项目 #{project}。"
TO_PROJECT_DONE = "✅ 议题 #{id} 的决议已转为项目 #{project}，进入实施阶段；项目结束时会在群里公开结果。"

# --- 书记接待日 -------------------------------------------------------------------------------
RECEPTION_TEMPLATE = ("设置书记接待日：复制模板填写后发送：\n\n/reception\n时间：2026-12-17 09:00\n"
                      "时长：2\n地点：党群服务中心书记接待室\n名额：6\n重复：每月")
RECEPTION_BAD = "「{field}」填写有误：{value}"
RECEPTION_POST = ("🗣 书记接待日\n时间：{when}–{until}\n地点：{place}\n名额：{capacity} 人\n"
                  "有事想当面和书记谈？点「预约」，前一天会提醒您。")
RECEPTION_DONE = ("✅ 已设置接待日 #{id}（{when}），已发到 {groups} 个群。{repeat}\n"
                  "预约名单和想谈的事：/reception_list {id}　接待后记录结果：/reception_result {id} 序号 结果")
RECEPTION_REPEAT = "每月同一天自动续开下一期。"
BOOK_BUTTON = "📅 预约"
BOOKED = "已预约书记接待日（{when}，{place}），前一天会提醒您。"
BOOKED_START = "\n请先私聊我点「开始」(/start)，才能收到提醒。"
BOOK_AGAIN = "您已经预约过这一期接待日。"
BOOK_FULL = "这一期接待日已约满，请预约下一期。"
BOOK_PAST = "这一期接待日已经过去了。"
RECEPTION_NUMBER_HOW = "请写接待日编号，例如：{example}"
NO_SUCH_RECEPTION = "没有找到接待日 #{id}。"
RECEPTION_REMINDER = "⏰ 提醒：您预约的书记接待日在明天 {when}，地点：{place}。"
RECEPTION_LIST = "接待日 #{id}（{when}）预约 {count}/{capacity} 人：{names}"
BOOKED_MATTER = "\n想谈什么事，可以私聊我提前说：/reception_matter 接待日编号 内容（我已私聊您）。"
MATTER_ASK = ("📅 您预约了书记接待日（{when}，{place}）。想和书记谈什么事？提前说一下，书记可以先了解准备：\n"
              "/reception_matter {id} 想谈的事\n例如：/reception_matter {id} 楼道灯坏了很久没人修")
MATTER_HOW = "用法：/reception_matter {id} 想谈的事（例如：楼道灯坏了很久没人修）"
MATTER_PRIVATE = "想谈的事请私聊我发送：/reception_matter 接待日编号 内容（只有社区工作人员能看到）。"
MATTER_SAVED = "✅ 已记下您想谈的事。接待日：{when}，{place}，前一天会提醒您。"
MATTER_PAST = "这一期接待日已经开始或过去了，想谈的事不能再修改。有新的事请预约下一期接待日。"
MATTER_CLOSED = "这件事已经有了处理结果，不能再修改。有新的事请预约下一期接待日。"
NO_MATTER = "（未说明）"
LIST_ITEM_LINE = "{n}. {name}：{matter}｜{outcome}"
RESULT_HINT = ("记录结果：/reception_result {id} 序号 解答 说明 | 工单 [补充] | 议题 [补充] | 未到\n"
               "例如：/reception_result {id} 1 工单 3号楼楼道灯")
OUTCOMES = {"answered": "已解答", "case": "已转工单", "topic": "已转议题", "absent": "未到"}
OUTCOME_PENDING = "待记录结果"
OUTCOME_CASE = "已转工单 {number}"
OUTCOME_TOPIC = "已转议题 #{topic}"
RESULT_HOW = ("用法：/reception_result {id} 序号 结果 [说明]\n结果：解答（写明怎么答复的）、工单（转为工单办理）、"
              "议题（转为居民议事议题）、未到。序号见 /reception_list {id}")
RESULT_NO_ITEM = "接待日 #{id} 只有 {count} 个预约，没有第 {n} 个。"
RESULT_AGAIN = "第 {n} 件事已记录：{outcome}。"
RESULT_EARLY = "接待日 #{id} 还没开始，接待后再记录结果。"
RESULT_NEED_NOTE = "「解答」请写明怎么答复的，例如：/reception_result 1 2 解答 已联系物业本周修好"
RESULT_NEED_TEXT = "这位居民没有说明想谈的事，请补充内容：/reception_result {id} {n} 工单 问题内容"
RESULT_DONE = "✅ 第 {n} 件（{name}）已记录：{outcome}。"
RESULT_TOPIC = "✅ 第 {n} 件已转为议题 #{topic}（来源：书记接待日），已发到群里征集附议。"
RESULT_CASE = "✅ 已转为工单 {number}，按工单流程办理，居民会收到进展。"
TOLD_ANSWERED = "🗣 您在书记接待日反映的「{matter}」：{note}"
TOLD_TOPIC = "🗣 您在书记接待日反映的「{matter}」已列为居民议事议题 #{topic}，邻居可以附议，进展会告诉您。"
AFTER_NOTE = ("🗣 接待日 #{id} 结束了，还有 {count} 件事没有记录结果。\n查看：/reception_list {id}，"
              "记录：/reception_result {id} 序号 解答|工单|议题|未到")
RECEPTION_TOPIC_HOW = "用法：/reception_topic 接待日编号 居民反映的事（记为议事议题，发到群里征集附议）"
RECEPTION_TOPIC_DONE = "✅ 已记为议题 #{topic}（来源：书记接待日），已发到群里征集附议。"

CANCEL_HOW = "用法：/meeting_cancel 会议编号 原因（参会人会收到通知）"
CANCELLED = "会议 #{id} 已取消，已通知参会人。议题 #{topic} 可重新召集：/meeting {topic}"
CANCELLED_NOTE = "📣 会议 #{id}（议题 #{topic}：{title}）取消。原因：{reason}"
STEP_CANCELLED = "会议 #{id} 取消：{reason}"
