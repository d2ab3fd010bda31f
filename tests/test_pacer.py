from bot.delivery.pacer import Pacer


class Tick:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_one_message_per_second_per_chat():
    tick = Tick()
    pacer = Pacer(monotonic=tick)
    assert pacer.wait_time(5) == 0
    pacer.record(5)
    assert pacer.wait_time(5) == 1.0
    assert pacer.wait_time(6) == 0  # another chat is free
    tick.t += 1.0
    assert pacer.wait_time(5) == 0


def test_twenty_per_minute_per_group():
    tick = Tick()
    pacer = Pacer(per_chat_interval=0, monotonic=tick)
    for _ in range(20):
        assert pacer.wait_time(-100) == 0
        pacer.record(-100)
        tick.t += 0.5
    assert pacer.wait_time(-100) == 50.0  # the first one leaves the window at +60 s
    assert pacer.wait_time(100) == 0  # private chats are not group-limited


def test_thirty_per_second_overall():
    tick = Tick()
    pacer = Pacer(per_chat_interval=0, monotonic=tick)
    for chat in range(30):
        pacer.record(chat)
    assert pacer.wait_time(999) == 1.0


def test_retry_after_blocks_the_chat():
    tick = Tick()
    pacer = Pacer(monotonic=tick)
    pacer.block(7, chat_id=5)
    assert pacer.wait_time(5) == 7
    assert pacer.wait_time(6) == 0
