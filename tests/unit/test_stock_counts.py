"""Stocktake while stock keeps moving: a line's variance is counted - (expected at the start
+ what moved in its item and bin between the start and the moment it was counted), whatever
moves afterwards (flagged for review); transfers in and out of the bin; recounts, which keep
the first count; approval posts every adjustment at once, all or nothing, and the balances
stay the ledger's sum; accuracy never nets overs against unders."""

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.core.domain import DomainError
from app.extensions import db
from app.stock import counts
from app.stock import services as stock
from app.stock.models import CountLine, Movement, StockBalance, StockCount, StockItem
from tests.conftest import make_user
from tests.helpers import make_stock
from tests.unit.test_stock_ledger import _assert_cache_is_the_ledger, _load


@pytest.fixture
def world(app, site):
    keeper = make_user(app, username="keeper", roles=("storekeeper",), sites=[site])
    counter = make_user(app, username="counter", roles=("storekeeper",), sites=[site])
    records = make_stock(app, site, keeper, on_hand=10)
    return {"keeper": keeper, "counter": counter, **records}


def _line(count, item, bin_) -> CountLine:
    return db.session.scalar(select(CountLine).filter_by(count_id=count.id, item_id=item.id,
                                                         bin_id=bin_.id))


def _other_item(keeper, sku="FLT-1", cost="4.00") -> StockItem:
    return stock.create_item(stock.ItemFields(sku=sku, name="Filter", unit_cost=Decimal(cost)),
                             by=keeper)


def test_starting_records_what_each_line_held(app, world):
    with app.test_request_context():
        item, store, (a, b), keeper = _load(world)
        stock.transfer(item, a, b, Decimal("4"), by=keeper)
        count = counts.start_count(store, counts.CountPlan(), by=keeper)
        assert count.reference.startswith("SC-") and count.status == "counting"
        assert _line(count, item, a).expected == 6 and _line(count, item, b).expected == 4
        only_b = counts.start_count(store, counts.CountPlan(scope="bins", bin_ids=(b.id,)),
                                    by=keeper)
        assert db.session.scalar(select(func.count(CountLine.id)).filter_by(
            count_id=only_b.id)) == 1
        by_category = counts.start_count(store, counts.CountPlan(
            scope="categories", categories=("Bearings",)), by=keeper)
        assert _line(by_category, item, a).expected == 6
        with pytest.raises(DomainError):  # no such category here: nothing to count
            counts.start_count(store, counts.CountPlan(scope="categories",
                                                       categories=("Fuses",)), by=keeper)


def test_the_variance_counts_movements_before_the_count_and_not_after(app, world):
    with app.test_request_context():
        item, store, (a, b), keeper = _load(world)
        count = counts.start_count(store, counts.CountPlan(), by=keeper)
        stock.issue(item, a, Decimal("3"), cost_centre="CC-1", by=keeper)  # before: 10 -> 7
        line = counts.count_item(count, a, item, Decimal("6"), by=keeper)
        assert line.expected == 10 and line.book == 7 and line.variance == -1
        stock.issue(item, a, Decimal("2"), cost_centre="CC-1", by=keeper)  # after: no change
        db.session.refresh(line)
        assert line.variance == -1
        assert counts.moved_lines(count, [line.id]) == {line.id}  # flagged for review
        figures = counts.summary(count)
        assert (figures.counted, figures.moved, figures.over) == (1, 1, 1)
        assert figures.value_under == Decimal("12.50") and figures.value_over == 0


def test_transfers_in_and_out_of_the_bin_count_as_movements(app, world):
    with app.test_request_context():
        item, store, (a, b), keeper = _load(world)
        count = counts.start_count(store, counts.CountPlan(), by=keeper)
        stock.transfer(item, a, b, Decimal("4"), by=keeper)  # a: 10 -> 6, b: 0 -> 4
        in_a = counts.count_item(count, a, item, Decimal("6"), by=keeper)
        in_b = counts.count_item(count, b, item, Decimal("5"), by=keeper)  # one found
        assert (in_a.book, in_a.variance) == (6, 0)
        assert in_b.added and in_b.expected == 0 and (in_b.book, in_b.variance) == (4, 1)
        stock.transfer(item, b, a, Decimal("1"), by=keeper)  # after both were counted
        db.session.refresh(in_a)
        db.session.refresh(in_b)
        assert (in_a.variance, in_b.variance) == (0, 1)
        assert counts.moved_lines(count, [in_a.id, in_b.id]) == {in_a.id, in_b.id}


def test_scans_add_one_and_an_empty_bin_counts_its_lines_zero(app, world):
    with app.test_request_context():
        item, store, (a, b), keeper = _load(world)
        other = _other_item(keeper)
        stock.receive(other, b, Decimal("2"), by=keeper)
        count = counts.start_count(store, counts.CountPlan(), by=keeper)
        for _ in range(3):
            line = counts.count_item(count, a, item, Decimal("1"), add=True, by=keeper)
        assert line.counted == 3
        assert counts.count_item(count, a, item, Decimal("9"), by=keeper).counted == 9  # typed
        assert counts.count_bin_empty(count, b, by=keeper) == 1
        emptied = _line(count, other, b)
        assert emptied.counted == 0 and emptied.variance == -2
        with pytest.raises(DomainError):
            counts.count_item(count, a, item, Decimal("-1"), by=keeper)


def test_a_recount_by_another_person_replaces_the_first_and_keeps_it(app, world):
    with app.test_request_context():
        item, store, (a, _b), keeper = _load(world)
        counter = db.session.get(type(keeper), world["counter"].id)
        count = counts.start_count(store, counts.CountPlan(), by=keeper)
        line = counts.count_item(count, a, item, Decimal("4"), by=keeper)
        with pytest.raises(DomainError):  # not by the one who counted it
            counts.ask_recount(count, [line.id], keeper, by=keeper)
        assert counts.ask_recount(count, [line.id], counter, by=keeper) == 1
        assert line.status == "recount" and line.counted is None
        with pytest.raises(DomainError):  # not recounted by the first counter
            counts.count_item(count, a, item, Decimal("4"), by=keeper)
        stock.issue(item, a, Decimal("1"), cost_centre="CC-1", by=keeper)  # between the two
        counts.count_item(count, a, item, Decimal("9"), by=counter)
        assert (line.counted, line.book, line.variance) == (9, 9, 0)
        assert (line.first_counted, line.first_book, line.first_variance) == (4, 10, -6)
        assert line.first_by_id == keeper.id and line.counted_by_id == counter.id


def test_approval_posts_each_variance_and_the_books_match_the_shelves(app, world):
    with app.test_request_context():
        item, store, (a, b), keeper = _load(world)
        other = _other_item(keeper)
        stock.receive(other, b, Decimal("5"), by=keeper)
        count = counts.start_count(store, counts.CountPlan(tolerance_quantity=Decimal("1")),
                                   by=keeper)
        counts.count_item(count, a, item, Decimal("8"), by=keeper)  # 2 under: over tolerance
        stock.issue(item, a, Decimal("3"), cost_centre="CC-1", by=keeper)  # after the count
        done = counts.approve(count, uncounted="leave", by=keeper)
        assert done.adjusted == 1 and count.status == "approved"
        assert (count.lines_counted, count.lines_within, count.accuracy) == (1, 0, 0.0)
        adjustment = db.session.scalar(select(Movement).filter_by(kind="adjustment"))
        assert (adjustment.quantity, adjustment.reference, adjustment.reason) == (
            -2, count.reference, "count")
        balance = db.session.get(StockBalance, (item.id, a.id))
        assert balance.quantity == 5  # 8 on the shelf at the count, 3 issued since
        assert db.session.get(StockBalance, (other.id, b.id)).quantity == 5  # left alone
        db.session.refresh(a)
        assert a.counted_at is not None  # a cycle count by age starts from here
        _assert_cache_is_the_ledger()
        assert counts.summary(count).moved == 1  # the issue; not the count's own adjustment
        with pytest.raises(DomainError):  # approved: read-only
            counts.count_item(count, a, item, Decimal("1"), by=keeper)


def test_uncounted_lines_are_zeroed_only_when_asked(app, world):
    with app.test_request_context():
        item, store, (a, b), keeper = _load(world)
        other = _other_item(keeper)
        stock.receive(other, b, Decimal("5"), by=keeper)
        count = counts.start_count(store, counts.CountPlan(), by=keeper)
        counts.count_item(count, a, item, Decimal("10"), by=keeper)
        with pytest.raises(DomainError):
            counts.approve(count, uncounted="", by=keeper)
        done = counts.approve(count, uncounted="zero", by=keeper)
        assert done.adjusted == 1 and db.session.get(StockBalance, (other.id, b.id)).quantity == 0
        assert count.accuracy == 100.0  # the zeroed line was not counted
        _assert_cache_is_the_ledger()


def test_approval_is_all_or_nothing(app, world):
    with app.test_request_context():
        item, store, (a, b), keeper = _load(world)
        other = _other_item(keeper)
        stock.receive(other, b, Decimal("5"), by=keeper)
        count = counts.start_count(store, counts.CountPlan(), by=keeper)
        counts.count_item(count, b, other, Decimal("6"), by=keeper)  # one over: fine
        counts.count_item(count, a, item, Decimal("2"), by=keeper)  # 8 under the book of 10
        stock.issue(item, a, Decimal("9"), cost_centre="CC-1", by=keeper)  # 1 left: 1 - 8 < 0
        before = db.session.scalar(select(func.count(Movement.id)))
        with pytest.raises(DomainError, match="below zero"):
            counts.approve(count, uncounted="leave", by=keeper)
        assert db.session.scalar(select(func.count(Movement.id))) == before
        assert count.status == "counting"


def test_accuracy_counts_overs_and_unders_as_two_misses(app, world):
    with app.test_request_context():
        item, store, (a, b), keeper = _load(world)
        other = _other_item(keeper)
        third = _other_item(keeper, sku="FUS-1", cost="1.00")
        stock.receive(other, b, Decimal("5"), by=keeper)
        stock.receive(third, b, Decimal("5"), by=keeper)
        count = counts.start_count(store, counts.CountPlan(), by=keeper)
        counts.count_item(count, a, item, Decimal("15"), by=keeper)  # 5 over
        counts.count_item(count, b, other, Decimal("0"), by=keeper)  # 5 under
        counts.count_item(count, b, third, Decimal("5"), by=keeper)  # right
        figures = counts.summary(count)
        assert (figures.counted, figures.within, figures.over) == (3, 1, 2)
        assert round(figures.accuracy, 1) == 33.3
        assert figures.value_over == Decimal("62.50") and figures.value_under == Decimal("20.00")
        value_only = counts.start_count(store, counts.CountPlan(
            tolerance_quantity=Decimal("10"), tolerance_value=Decimal("25")), by=keeper)
        counts.count_item(value_only, a, item, Decimal("15"), by=keeper)  # 62.50: over
        counts.count_item(value_only, b, other, Decimal("0"), by=keeper)  # 20.00: within
        assert counts.summary(value_only).over == 1


@pytest.mark.committed  # threads: connections of their own
def test_counting_while_people_issue_from_the_bin_keeps_each_book_true(app, world):
    """Counters count a line again and again while others issue from its bin: each count's
    book is the ledger's sum up to the newest movement it saw (its mark), never a movement
    half in: the variance rule holds under load (both databases)."""
    errors, seen = [], []
    with app.app_context():
        item, store, (a, _b), keeper = _load(world)
        stock.receive(item, a, Decimal("200"), by=keeper)
        count_id = counts.start_count(store, counts.CountPlan(), by=keeper).id
        db.session.commit()

    def worker(number: int):
        with app.app_context():
            try:
                item, _store, (a, _b), keeper = _load(world)
                count = db.session.get(StockCount, count_id)
                for _ in range(10):
                    if number % 2:
                        stock.issue(item, a, Decimal("1"), cost_centre="CC", by=keeper)
                    else:
                        line = counts.count_item(count, a, item, Decimal("1"), by=keeper)
                        seen.append((line.book, line.mark))
                    db.session.commit()
            except Exception as error:  # noqa: BLE001 (reported below)
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with app.app_context():
        for book, mark in seen:
            ledger = db.session.scalar(select(func.coalesce(func.sum(Movement.quantity), 0))
                                       .where(Movement.item_id == world["item_id"],
                                              Movement.bin_id == world["bin_id"],
                                              Movement.id <= mark))
            assert Decimal(str(book)) == Decimal(str(ledger)), (book, mark)
        assert len(seen) == 50
