"""The count aggregator's judgement of ``seq``: repeats dropped, a machine numbering anew (a PLC
reboot) counted as a new sequence."""

from datetime import UTC, datetime

from bot.machines.counting import SEQ_RESTART_DROP, CountAggregator
from bot.machines.payloads import CountIncrement
from bot.records.machine_counts import TopicState

TOPIC = "riverside/l1/count"
LINE = 7
AT = datetime(2026, 11, 18, 9, 0, 30, tzinfo=UTC)


def send(aggregator: CountAggregator, *seqs: int) -> list[bool]:
    """Each seq as one good unit; whether each was counted."""
    return [aggregator.add(TOPIC, LINE, CountIncrement(good=1, seq=seq), AT) for seq in seqs]


def good(aggregator: CountAggregator) -> int:
    batch = aggregator.take()
    return 0 if batch is None else sum(count.good for count in batch.counts.values())


def test_a_seq_far_below_the_last_is_a_new_sequence_and_its_repeats_are_still_dropped() -> None:
    aggregator = CountAggregator({TOPIC: TopicState(LINE, last_seq=48_210)})

    # The PLC reboots and numbers from 1; QoS 1 redelivers its first message right away.
    assert send(aggregator, 48_211, 1, 1, 2, 2, 3) == [True, True, False, True, False, True]

    assert aggregator.seq_restarts == 1
    assert aggregator.duplicates == 2
    batch = aggregator.take()
    assert batch is not None
    assert batch.topics[TOPIC].last_seq == 3  # saved with the counts: a restart survives ours
    assert sum(count.good for count in batch.counts.values()) == 4


def test_a_seq_at_most_the_window_below_the_last_is_a_repeat() -> None:
    last = 10 * SEQ_RESTART_DROP
    aggregator = CountAggregator({TOPIC: TopicState(LINE, last_seq=last)})

    counted = send(aggregator, last, last - 1, last - SEQ_RESTART_DROP, last + 1)

    assert counted == [False, False, False, True]
    assert (aggregator.duplicates, aggregator.seq_restarts) == (3, 0)
    assert good(aggregator) == 1


def test_one_below_the_window_starts_over_and_counts_on_from_there() -> None:
    last = 10 * SEQ_RESTART_DROP
    aggregator = CountAggregator({TOPIC: TopicState(LINE, last_seq=last)})

    assert send(aggregator, last - SEQ_RESTART_DROP - 1) == [True]
    # From there on the seq grows again: the numbers it passes count, each once.
    assert send(aggregator, last - SEQ_RESTART_DROP, last - SEQ_RESTART_DROP) == [True, False]
    assert aggregator.seq_restarts == 1
    assert good(aggregator) == 2


def test_a_restart_soon_after_the_first_message_is_taken_for_repeats() -> None:
    """The rule's price (docs/machines.md): a machine that reboots before its seq passed
    SEQ_RESTART_DROP counts again only once its seq passes the last one."""
    aggregator = CountAggregator({TOPIC: TopicState(LINE, last_seq=40)})

    assert send(aggregator, 1, 2, 40, 41) == [False, False, False, True]
    assert good(aggregator) == 1
