"""The movement ledger: on hand is the sum of the movements, and the balance cache equals it
after every kind of movement; stock never goes below zero unless the store allows it, also
when fifty people move the same item at once; a movement is never changed or deleted."""

import random
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.core.domain import DomainError
from app.extensions import db
from app.stock import services as stock
from app.stock.models import Movement, StockBalance, StockBin, StockItem, Store
from tests.conftest import make_site, make_user
from tests.helpers import make_stock


def _ledger_and_cache() -> tuple[dict, dict]:
    """(item, bin) -> quantity: summed from the ledger, and as the balance rows hold it."""
    ledger = {(item, bin_): round(Decimal(str(total)), 3) for item, bin_, total in
              db.session.execute(select(Movement.item_id, Movement.bin_id,
                                        func.sum(Movement.quantity))
                                 .group_by(Movement.item_id, Movement.bin_id))}
    cache = {(row.item_id, row.bin_id): round(Decimal(str(row.quantity)), 3) for row in
             db.session.scalars(select(StockBalance))}
    return ledger, {key: value for key, value in cache.items() if value or key in ledger}


def _assert_cache_is_the_ledger():
    ledger, cache = _ledger_and_cache()
    assert cache == ledger


@pytest.fixture
def world(app, site):
    keeper = make_user(app, username="keeper", roles=("storekeeper",), sites=[site])
    records = make_stock(app, site, keeper)
    return {"keeper": keeper, **records}


def _load(records):
    item = db.session.get(StockItem, records["item_id"])
    store = db.session.get(Store, records["store_id"])
    bins = [db.session.get(StockBin, records["bin_id"]),
            db.session.get(StockBin, records["second_bin_id"])]
    keeper = db.session.get(type(records["keeper"]), records["keeper"].id)
    return item, store, bins, keeper


def test_the_balance_equals_the_ledger_after_every_kind_of_movement(app, site, world):
    other_site = make_site(app, name="Depot", code="DEP")
    with app.test_request_context():
        item, store, (a, b), keeper = _load(world)
        far_store = stock.create_store(other_site, code="FAR", name="Far", allows_negative=False,
                                       by=keeper)
        (far,) = stock.create_bins(far_store, ["Z-9"], by=keeper)
        steps = [
            lambda: stock.receive(item, a, Decimal("10"), supplier="ACME", reference="DN-1",
                                  unit_cost=Decimal("13.00"), by=keeper),
            lambda: stock.issue(item, a, Decimal("2.5"), cost_centre="CC-7", by=keeper),
            lambda: stock.return_stock(item, a, Decimal("0.5"), by=keeper),
            lambda: stock.transfer(item, a, b, Decimal("3"), by=keeper),  # bin to bin
            lambda: stock.transfer(item, b, far, Decimal("1"), by=keeper),  # store to store
            lambda: stock.adjust(item, b, Decimal("-1"), reason="damaged", by=keeper),
            lambda: stock.adjust(item, far, Decimal("4.125"), reason="found", by=keeper),
            lambda: stock.issue(item, a, Decimal("0.1"), person=keeper, by=keeper),
            lambda: stock.issue(item, a, Decimal("0.2"), person=keeper, by=keeper),
        ]
        for step in steps:
            step()
            db.session.flush()
            _assert_cache_is_the_ledger()
        assert item.unit_cost == Decimal("13.00")  # a receipt's cost is the item's last price
        on_hand = {bin_.code: db.session.get(StockBalance, (item.id, bin_.id)).quantity
                   for bin_ in (a, b, far)}
        assert on_hand == {"A-01": Decimal("4.7"), "A-02": Decimal("1"),
                           "Z-9": Decimal("5.125")}
        out, into = _pair(far)
        assert into.pair_id == out.id and out.quantity == -into.quantity
        assert out.site_id == site.id and into.site_id == other_site.id


def _pair(into_bin):
    into = db.session.scalar(select(Movement).where(Movement.kind == "transfer_in",
                                                    Movement.bin_id == into_bin.id))
    return db.session.get(Movement, into.pair_id), into


def test_stock_never_goes_below_zero_unless_the_store_allows_it(app, site, world):
    with app.test_request_context():
        item, store, (a, _b), keeper = _load(world)
        stock.receive(item, a, Decimal("2"), by=keeper)
        stock.issue(item, a, Decimal("2"), cost_centre="CC", by=keeper)  # the last units
        with pytest.raises(DomainError, match="Only 0 pcs of ITEM-TST in bin A-01"):
            stock.issue(item, a, Decimal("1"), cost_centre="CC", by=keeper)
        with pytest.raises(DomainError, match="Only 0"):
            stock.adjust(item, a, Decimal("-1"), reason="lost", by=keeper)
        store.allows_negative = True
        stock.issue(item, a, Decimal("1"), cost_centre="CC", by=keeper)
        db.session.flush()
        _assert_cache_is_the_ledger()
        assert db.session.get(StockBalance, (item.id, a.id)).quantity == Decimal("-1")


def test_quantities_and_targets_are_checked(app, site, world):
    with app.test_request_context():
        item, _store, (a, _b), keeper = _load(world)
        for quantity in (Decimal("0"), Decimal("-1"), Decimal("1e9"), Decimal("NaN")):
            with pytest.raises(DomainError):
                stock.receive(item, a, quantity, by=keeper)
        with pytest.raises(DomainError, match="issued to"):
            stock.issue(item, a, Decimal("1"), by=keeper)
        with pytest.raises(DomainError, match="another bin"):
            stock.transfer(item, a, a, Decimal("1"), by=keeper)
        with pytest.raises(DomainError, match="reason"):
            stock.adjust(item, a, Decimal("1"), reason="whim", by=keeper)
        assert db.session.scalar(select(func.count(Movement.id))) == 0


def test_a_movement_is_never_changed_or_deleted(app, site, world):
    with app.test_request_context():
        item, _store, (a, _b), keeper = _load(world)
        movement = stock.receive(item, a, Decimal("5"), by=keeper)
        db.session.flush()
        with pytest.raises(ValueError, match="ledger"), db.session.begin_nested():
            movement.quantity = Decimal("50")
        db.session.refresh(movement)
        with pytest.raises(ValueError, match="never deleted"), db.session.begin_nested():
            db.session.delete(movement)
        assert db.session.scalar(select(Movement.quantity)) == Decimal("5")


THREADS, MOVES = 50, 20


@pytest.mark.committed  # each thread commits through its own connection
def test_fifty_people_moving_one_item_at_once_keep_the_ledger_true(app, site, world):
    """50 threads x 20 movements of one item between two bins holding little: receipts,
    issues, transfers and adjustments, many of them refused for want of stock."""
    errors, refused = [], []

    def worker(number: int):
        chance = random.Random(number)
        with app.app_context():
            try:
                item, _store, (a, b), keeper = _load(world)
                for _ in range(MOVES):
                    one, other = (a, b) if chance.random() < 0.5 else (b, a)
                    roll = chance.random()
                    try:
                        if roll < 0.25:
                            stock.receive(item, one, Decimal("1"), by=keeper)
                        elif roll < 0.75:
                            stock.issue(item, one, Decimal("1"), cost_centre="CC", by=keeper)
                        elif roll < 0.9:
                            stock.transfer(item, one, other, Decimal("1"), by=keeper)
                        else:
                            stock.adjust(item, one, Decimal("-1"), reason="lost", by=keeper)
                        db.session.commit()
                    except DomainError:
                        db.session.rollback()
                        refused.append(number)
            except Exception as error:  # noqa: BLE001 (reported by the test below)
                errors.append(repr(error))
            finally:
                db.session.remove()

    with app.app_context():
        item, _store, (a, _b), keeper = _load(world)
        stock.receive(item, a, Decimal("5"), by=keeper)
        db.session.commit()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert refused, "some moves must have found no stock left"
    with app.app_context():
        ledger, cache = _ledger_and_cache()
        assert cache == ledger
        assert all(quantity >= 0 for quantity in cache.values())
        # never below zero at any moment: the ledger's running sum per bin, in its order
        running: dict[int, Decimal] = {}
        for bin_id, quantity in db.session.execute(select(Movement.bin_id, Movement.quantity)
                                                   .order_by(Movement.id)):
            running[bin_id] = running.get(bin_id, Decimal("0")) + Decimal(str(quantity))
            assert running[bin_id] >= 0
        moves = db.session.scalar(select(func.count(Movement.id)))
        transfers = db.session.scalar(select(func.count(Movement.id)).where(
            Movement.kind == "transfer_in"))
        assert moves - transfers == 1 + THREADS * MOVES - len(refused)
