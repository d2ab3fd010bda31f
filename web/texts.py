"""Chinese texts of the web desk (the pages' fixed words are in the templates)."""

TITLE = "邻里工作台"
LINK_SENT = "🔐 工作台登录链接（{minutes} 分钟内有效，只能用一次，请勿转发）：\n{url}"
OPEN_MINIAPP = "在 Telegram 内打开工作台"
LINK_STAFF_ONLY = "工作台仅供网格员、社区工作人员和街道使用。"
LINK_PRIVATE_ONLY = "请私聊我发送 /web 获取工作台登录链接。"
LOGIN_EXPIRED = "链接已失效（过期或已使用）。请在 Telegram 里给机器人发送 /web 重新获取。"
LOGIN_NEEDED = "请先登录：在 Telegram 里给机器人发送 /web，点开收到的链接。"
NOT_STAFF = "工作台仅供工作人员使用。"
MINIAPP_BAD = "无法验证 Telegram 身份，请从机器人菜单重新打开工作台。"
CSRF_BAD = "页面已过期，请刷新后重试。"
NOT_FOUND = "没有找到这张工单，或它不在您的管辖范围内。"
DONE = "已完成"
EXPORT_EMPTY = "当前筛选没有工单可导出。"
ACTION_UNKNOWN = "未知操作。"
TARGET_MISSING = "请先选择对象。"
WIDGET_BAD = "无法验证 Telegram 登录（签名不符或已过期），请重新点击“使用 Telegram 登录”。"
NOT_FOUND_PAGE = "没有这个页面。请从工作台的菜单进入。"
WRONG_METHOD = "这个地址不能直接打开，请回到工作台的页面上操作。"
TOO_BIG = "提交的内容太大。"
BAD_REQUEST = "请求有误，请回到工作台的页面重试。"
SERVER_ERROR = "工作台出了点问题，请稍后重试；如果一直这样，请告诉管理员。"
ALREADY_SENT = "这个操作已经提交过了，没有重复办理。"
DATE_BAD = "“{field}”日期“{value}”不是有效日期（应为 2026-11-01 这样的日期），已忽略。"
DATE_SWAPPED = "结束日期早于开始日期，已按 {start} 至 {end} 查询。"
SEARCHED_AS = "没有找到“{given}”，下面是“{term}”的结果。"
PHOTO_TOO_BIG = "照片太大，请上传 {mb} MB 以内的照片。"
PHOTO_BAD_TYPE = "只能上传 JPG 或 PNG 格式的照片。"
PHOTO_UPLOAD_FAILED = ("照片上传到 Telegram 失败（请先在 Telegram 里私聊机器人发送 /start），"
                       "工单未办结，请重试。")
PHOTO_RECEIPT = "📷 {number} 的整改后照片（工作台上传）"
# The dashboard's comparison of communities (a street officer's): JSON key, column head.
# Rates and shares are percentages; 本期超时 as /stats counts it, 当前超时 right now.
COMPARE_COLUMNS = (("label", "社区"), ("opened", "登记"), ("resolved", "办结"),
                   ("response", "响应率%"), ("resolve", "解决率%"), ("satisfaction", "满意率%"),
                   ("found", "主动发现"), ("found_share", "主动发现占比%"),
                   ("overdue", "本期超时"), ("overdue_now", "当前超时"))
COMPARE_SHEET = "各社区对比"
