"""微心愿 (wish wall) texts. Plain text (no parse mode)."""

STATES = {"pending": "待审核", "open": "待认领", "claimed": "已认领", "done": "已实现",
          "rejected": "未通过"}

HOW = ("许一个微心愿：私聊我发送 /wish 心愿内容\n例如：/wish 家里厨房灯坏了，想请人帮忙换个灯泡\n"
       "网格员代老人登记：/wish 代 张奶奶 想要一副老花镜\n"
       "心愿由社区审核后发到小区群（不公开住址和电话），志愿者认领后通过我和您联系。")
PRIVATE_ONLY = "微心愿请私聊我发送，内容会先由社区审核，不会直接公开。"
TOO_LONG = "心愿内容最多 300 个字。"
WHERE = "请先在小区群里发言，或让社区工作人员为您登记所在小区，再私聊我。"
POSTED = "🌈 您的微心愿 #{id} 已提交，社区审核后会发到小区群，有人认领时我会告诉您。"
REVIEW = ("🌈 新的微心愿 #{id} 待审核\n{who}{for_whom}：{text}\n{worth}\n"
          "通过后发到小区群的内容：{public}")
REVIEW_VALUE = "价值：约 {value} 元\n"
REVIEW_NO_VALUE = "价值：未写明（本社区每个心愿不超过 {limit} 元，审核时请留意）\n"
OVER_LIMIT = ("微心愿是「小心愿」：本社区每个心愿的价值不超过 {limit} 元，您写的约 {value} 元超过了。\n"
              "可以把心愿改小一些再发；较大的困难请联系社区工作人员，了解临时救助等其他帮扶。")
LIMIT_LINE = "\n物品类心愿请写上大约多少钱，本社区每个心愿不超过 {limit} 元。"
APPROVE_BUTTON, REJECT_BUTTON = "✅ 通过并发布", "不通过"
APPROVED = "心愿 #{id} 已通过，已发到 {groups} 个群。"
REJECTED = "心愿 #{id} 未通过审核。"
ALREADY_REVIEWED = "心愿 #{id} 已{state}。"
AUTHOR_APPROVED = "🌈 您的微心愿 #{id} 已通过审核，发到了小区群，等待志愿者认领。"
AUTHOR_REJECTED = "您的微心愿 #{id} 暂未通过审核，社区工作人员会和您联系说明。"
POST = "🌈 微心愿 #{id}\n{text}\n\n志愿者、在职党员可以点「认领」帮助实现。"
CLAIM_BUTTON = "🙋 认领"
CLAIMED_POST = "🌈 微心愿 #{id}\n{text}\n\n✅ 已有志愿者认领，感谢！"
DONE_POST = "🌈 微心愿 #{id} 已实现！\n{text}\n感谢志愿者的爱心帮助 ❤️"
NOT_VOLUNTEER = "认领心愿需要先登记志愿者：私聊我发送 /volunteer（在职党员：/volunteer 双报到 单位）。"
NOT_STARTED = "请先私聊我点「开始」(/start)，认领后我要私下把联系方式转给您。"
UNREACHABLE = ("心愿 #{id} 的{who}目前收不到我的消息（没有私聊过我，或屏蔽了我），暂时无法转达或交换电话。"
               "需要帮忙联系的话，请找社区工作人员。")
OWN_WISH = "这是您自己的心愿，不能认领。"
TAKEN = "心愿 #{id} {state}，谢谢您的热心！"
CLAIMED = "您认领了心愿 #{id}。我已私聊您下一步。"
CLAIMER_NEXT = ("🙋 您认领了微心愿 #{id}：{text}\n\n和心愿人联系：/wish_say {id} 想说的话（由我转达，"
                "不会透露双方电话）。想通电话，点「📞 同意交换电话」：对方也同意才交换。"
                "完成后请心愿人或网格员发照片确认。")
AUTHOR_CLAIMED = ("🌈 您的微心愿 #{id} 已被{kind}认领。\n回复对方：/wish_say {id} 想说的话（由我转达）。"
                  "想通电话，点「📞 同意交换电话」：对方也同意才交换。\n"
                  "心愿实现后，请发一张照片，说明文字写 /wish_done {id}")
SAY_HOW = "用法：/wish_say 心愿编号 想说的话"
NOT_PARTY = "您不是心愿 #{id} 的心愿人或认领人。"
NOT_CLAIMED = "心愿 #{id} 还没有人认领。"
RELAYED = "已转达。"
RELAY_FROM_CLAIMER = "💬 心愿 #{id} 的认领人说：{text}\n回复：/wish_say {id} 想说的话"
RELAY_FROM_AUTHOR = "💬 心愿 #{id} 的心愿人说：{text}\n回复：/wish_say {id} 想说的话"
DONE_HOW = "心愿实现后，请发一张照片，说明文字写：/wish_done 心愿编号"
DONE_NEED_PHOTO = "请附一张照片：发照片，说明文字写 /wish_done {id}"
DONE_NOT_YOURS = "只有心愿人或社区工作人员可以确认心愿 #{id} 已实现。"
DONE = "✅ 心愿 #{id} 已确认实现，谢谢！已在群里感谢志愿者。"
CLAIMER_DONE = "❤️ 您认领的微心愿 #{id} 已确认实现，谢谢您！"
NO_SUCH_WISH = "没有找到心愿 #{id}。"
NUMBER_HOW = "请写心愿编号，例如 {example}"
LIST_HEADER = "🌈 {community} 微心愿"
LIST_LINE = "#{id} {text}｜{state}"
LIST_EMPTY = "{community}还没有公开的微心愿。许愿：私聊我 /wish 心愿内容"

# --- phone numbers, only with both parties' consent ------------------------------------------
PHONE_BUTTON = "📞 同意交换电话"
ROLE = {True: "认领人", False: "心愿人"}
PHONE_HOW = ("交换电话要双方都同意：点「📞 同意交换电话」，或发送 /wish_phone 心愿编号 您的手机号。"
             "对方也同意后，我才把双方的电话告诉对方。")
PHONE_ASK = ("我这里没有您的电话。愿意把电话告诉对方的话，请发送：/wish_phone {id} 您的手机号"
             "（发送即表示同意；对方也同意后才会交换）。")
PHONE_BAD = "电话号码格式不对。例如：/wish_phone {id} 13800001234"
PHONE_NOT_NOW = "心愿 #{id} {state}，不需要再交换电话。"
PHONE_AGAIN = "您已经同意交换电话（心愿 #{id}），等对方也同意后我会告诉您对方的电话。"
PHONE_RECORDED = ("已记录：您同意把电话 {phone} 告诉心愿 #{id} 的对方。我已询问对方，"
                  "对方也同意后，我会把双方的电话告诉对方；在那之前对方看不到您的电话。")
PHONE_ASKED_BY_CLAIMER = ("📞 心愿 #{id} 的认领人想和您交换电话，方便联系。您同意的话点「📞 同意交换电话」，"
                          "您的电话才会告诉对方；不同意可以不理会，继续用 /wish_say {id} 由我转达。")
PHONE_ASKED_BY_AUTHOR = ("📞 心愿 #{id} 的心愿人想和您交换电话，方便联系。您同意的话点「📞 同意交换电话」，"
                         "您的电话才会告诉对方；不同意可以不理会，继续用 /wish_say {id} 由我转达。")
PHONE_GIVEN = "📞 心愿 #{id}：双方都同意交换电话。{who}的电话：{phone}"
WITHDRAWN = "心愿 #{id} 的心愿人已撤回这个心愿，您不用再帮忙了。谢谢您的热心！"
CLAIMER_LEFT = "🌈 您的微心愿 #{id} 的认领人已退出，心愿重新发到小区群，等待其他志愿者认领。"
