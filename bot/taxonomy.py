"""Label slugs (stable names used in data files and exports) and their Chinese names."""
from __future__ import annotations

INTENTS = {"complaint": "诉求", "suggestion": "建议", "inquiry": "咨询", "chatter": "闲聊"}

CATEGORIES = {
    "sanitation": "环境卫生",
    "noise": "噪音扰民",
    "parking": "停车秩序",
    "ebike": "电动车充电",
    "street_order": "市容秩序",
    "elevator": "电梯",
    "water": "供水排水",
    "heating_gas": "供暖燃气",
    "facilities": "公共设施",
    "property": "物业服务",
    "greenery": "绿化养护",
    "safety": "安全隐患",
    "neighbour": "邻里纠纷",
    "other": "其他",
}

URGENCY = {"urgent": "紧急", "normal": "一般"}


def category_name(slug: str) -> str:
    return CATEGORIES.get(slug, slug)
