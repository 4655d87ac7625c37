"""Which committed offsets go back to the store's, and which partitions lost events."""

from streams.align import behind, cuts

A, B, C = ("bron.brp.events", 0), ("bron.brp.events", 1), ("bron.bag.events", 0)


def test_only_partitions_the_group_committed_past_the_store_go_back() -> None:
    committed = {A: 100, B: 50, C: 7}
    stored = {A: 100, B: 80}  # C: the store has nothing yet
    assert behind(committed, stored) == {C: 0}
    assert behind(committed, {}) == {A: 0, B: 0, C: 0}  # a new store reads everything
    assert behind({}, stored) == {}  # a group that never committed starts at the beginning
    assert behind({A: 90}, {A: 120}) == {}  # the usual case: the store is ahead


def test_a_partition_whose_first_kept_offset_is_past_the_store_is_a_cut() -> None:
    first_kept = {A: 0, B: 40, C: 3}
    assert cuts({A: 10, B: 40, C: 5}, first_kept) == {}
    assert cuts({A: 10, B: 39}, first_kept) == {B: 40, C: 3}
