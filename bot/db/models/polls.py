"""Polls models (owned by the polls feature; the scheduled-poll tables are in
bot.db.models.opinion)."""
