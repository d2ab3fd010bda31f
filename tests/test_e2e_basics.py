"""Round trips over real HTTP: polling and webhook, /start, /help, /whoami."""


async def test_start_in_private_over_polling(world):
    alice = world.sb.add_user("王阿姨", "wang")
    alice.start_bot()
    reply = await world.sb.wait_for(alice.id)
    assert "邻里" in reply.text and "/report" in reply.text
    alice.say(alice.id, "/whoami")
    reply = await world.sb.wait_for(alice.id)
    assert "王阿姨" in reply.text and "居民" in reply.text
