"""Payout providers: the gift-card pool (all-or-nothing imports, each code assigned once), the
mass-payment batch, its CSV and its result file, and charities. Every scenario ends with the ledger
proved sound and the money accounted for, account by account."""

from __future__ import annotations

import io
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet, Sum
from django.test import override_settings
from django.utils import timezone

from core.csvfiles import CsvRefused
from core.errors import Conflict, DomainError
from panel.models import Panelist
from rewards.models import (
    Charity,
    GiftCard,
    LedgerAccount,
    LedgerTransaction,
    MassPaymentBatch,
    Payout,
    PayoutChunk,
    PayoutPreference,
    PayoutRun,
)
from rewards.selectors import (
    PoolStock,
    account_balance,
    charity_totals,
    giftcard_stock,
    ledger_violations,
    mass_payment_csv,
    mass_payment_pending,
    panelist_balance,
    reward_settings_get,
)
from rewards.services.ledger import panelist_credit
from rewards.services.payouts import payout_chunk_process, payout_run_start
from rewards.services.providers import (
    Assignment,
    ResultImport,
    charity_add,
    giftcards_assign,
    giftcards_assign_waiting,
    giftcards_import,
    mass_payment_batch_create,
    mass_payment_mark_paid,
    mass_payment_result_import,
)
from tenants.models import Tenant
from tests.factories import PanelistFactory, TenantFactory

pytestmark = pytest.mark.django_db(transaction=True)

OCTOBER, NOVEMBER = date(2026, 10, 1), date(2026, 11, 1)
LATER = datetime(2026, 12, 15, 12, tzinfo=UTC)  # both periods have ended
HEADER = "code,value,currency,expiry"
RESULT_HEADER = "reference,status,note"
OPEN = ("pending", "waiting_stock", "sent")


@pytest.fixture
def tenant() -> Tenant:
    return TenantFactory.create(currency="EUR", timezone="Europe/Paris")


# -- helpers ----------------------------------------------------------------------------------------


def csv_file(*lines: str) -> io.BytesIO:
    return io.BytesIO(("\n".join(lines) + "\n").encode())


def run_all(run: PayoutRun) -> None:
    for chunk_id in PayoutChunk.objects.unscoped().filter(run=run).order_by("number").values_list("pk", flat=True):
        payout_chunk_process(chunk_id=chunk_id)


def pay(tenant: Tenant, period: date = OCTOBER) -> PayoutRun:
    run = payout_run_start(tenant=tenant, period=period, now=LATER).run
    run_all(run)
    run.refresh_from_db()
    return run


def member(
    tenant: Tenant, amount: int, method: str | None = None, *, email: str = "", charity: Charity | None = None
) -> Panelist:
    """A panelist credited ``amount``, paid by ``method`` (None: no preference, the account's address)."""
    panelist = PanelistFactory.create(tenant=tenant)
    if method is not None:
        PayoutPreference.objects.create(tenant=tenant, panelist=panelist, method=method, email=email, charity=charity)
    panelist_credit(panelist=panelist, amount=amount, reason="bonus", idempotency_key=f"bonus:{panelist.pk}:1")
    return panelist


def email_of(panelist: Panelist) -> str:
    assert panelist.user is not None
    return panelist.user.email


def ref(panelist: Panelist, period: date = OCTOBER) -> str:
    return f"FP-{period:%Y%m}-{panelist.pk}"


def payout_of(panelist: Panelist, period: date = OCTOBER) -> Payout:
    return Payout.objects.unscoped().get(panelist=panelist, run__period=period)


def balance_of(tenant: Tenant, key: str) -> int:
    account = LedgerAccount.objects.for_tenant(tenant).filter(key=key).first()
    return account_balance(account=account) if account is not None else 0


def total(payouts: QuerySet[Payout]) -> int:
    return int(payouts.aggregate(t=Sum("amount", default=0))["t"])


def assert_money_adds_up(tenant: Tenant) -> None:
    """The ledger holds, and every account agrees with the payouts: clearing carries exactly the open
    payouts, each provider and charity exactly what was paid to it, a paid gift card exactly its codes."""
    assert ledger_violations(tenant=tenant) == []
    payouts = Payout.objects.for_tenant(tenant)
    assert balance_of(tenant, "clearing") == total(payouts.filter(status__in=OPEN))
    for method in ("mass_payment", "gift_card"):
        assert balance_of(tenant, f"provider:{method}") == total(payouts.filter(status="paid", method=method))
    for charity in Charity.objects.for_tenant(tenant):
        assert balance_of(tenant, f"charity:{charity.pk}") == total(payouts.filter(status="paid", charity=charity))
    for payout in payouts.filter(method="gift_card"):
        codes = sum(payout.gift_cards.values_list("value", flat=True))
        assert codes == (payout.amount if payout.status == "paid" else 0), payout.reference
    balances = [account_balance(account=a) for a in LedgerAccount.objects.for_tenant(tenant)]
    assert sum(balances) == 0  # double entry


def statuses(*panelists: Panelist) -> list[str]:
    return [payout_of(p).status for p in panelists]


# -- gift cards: the import -------------------------------------------------------------------------


def test_a_good_gift_card_file_imports_every_code_in_minor_units(tenant: Tenant) -> None:
    soon = timezone.localdate() + timedelta(days=30)
    upload = io.BytesIO(
        (
            "\ufeffExpiry, Code ,VALUE,Currency,Note\r\n"  # a BOM, any column order, any case, an extra column
            f"{soon.isoformat()},GC-0001,10.00,EUR,first\r\n"
            "\r\n"
            ",GC-0002,10,eur,\r\n"
            ", GC-0003 , 25.5 ,EUR,\r\n"
        ).encode()
    )

    assert giftcards_import(tenant=tenant, upload=upload) == 3

    rows = GiftCard.objects.for_tenant(tenant).order_by("code")
    assert list(rows.values_list("code", "value", "currency", "expires_on", "payout_id", "assigned_at")) == [
        ("GC-0001", 1000, "EUR", soon, None, None),
        ("GC-0002", 1000, "EUR", None, None, None),
        ("GC-0003", 2550, "EUR", None, None, None),
    ]
    assert giftcard_stock(tenant=tenant) == PoolStock(
        available=2, available_value=2000, assigned=0, expired=0, waiting_payouts=0, waiting_codes=0
    )


def test_a_zero_decimal_currency_counts_whole_units(tenant: Tenant) -> None:
    yen = TenantFactory.create(currency="JPY", country="JP", timezone="Asia/Tokyo")
    assert giftcards_import(tenant=yen, upload=csv_file(HEADER, "JP-1,1500,JPY,")) == 1
    assert list(GiftCard.objects.for_tenant(yen).values_list("code", "value")) == [("JP-1", 1500)]
    with pytest.raises(CsvRefused) as refused:
        giftcards_import(tenant=yen, upload=csv_file(HEADER, "JP-2,1500.5,JPY,"))
    assert refused.value.fields == {"line 2": ["'1500.5' has more decimals than JPY allows"]}
    assert GiftCard.objects.for_tenant(yen).count() == 1
    assert GiftCard.objects.for_tenant(tenant).count() == 0


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        pytest.param("DUP-00001,10.00,EUR,", "code DUP-00… is also on line 2", id="duplicate-in-file"),
        pytest.param("POOL-0001,10.00,EUR,", "code POOL-0… is already in the pool", id="already-in-pool"),
        pytest.param(",10.00,EUR,", "the code is empty, too long, or contains spaces", id="empty-code"),
        pytest.param("GC 0003,10.00,EUR,", "the code is empty, too long, or contains spaces", id="space-in-code"),
        pytest.param("X" * 201 + ",10.00,EUR,", "the code is empty, too long, or contains spaces", id="long-code"),
        pytest.param("GC-0003,10.00,XYZ,", "'XYZ' is not an ISO 4217 currency", id="unknown-currency"),
        pytest.param("GC-0003,10.00,,", "'' is not an ISO 4217 currency", id="no-currency"),
        pytest.param("GC-0003,10.00,USD,", "the panel pays in EUR, not USD", id="other-currency"),
        pytest.param("GC-0003,-10.00,EUR,", "the value must be more than zero", id="negative"),
        pytest.param("GC-0003,0.00,EUR,", "the value must be more than zero", id="zero"),
        pytest.param("GC-0003,10.005,EUR,", "'10.005' has more decimals than EUR allows", id="too-many-decimals"),
        pytest.param("GC-0003,ten,EUR,", "'ten' is not an amount", id="not-a-number"),
        pytest.param("GC-0003,,EUR,", "'' is not an amount", id="no-value"),
        pytest.param("GC-0003,Infinity,EUR,", "'Infinity' is not an amount", id="infinity"),
        pytest.param("GC-0003,sNaN,EUR,", "'sNaN' is not an amount", id="signalling-nan"),
        pytest.param("GC-0003,1e400,EUR,", "'1e400' is not an amount", id="an-exponent"),
        pytest.param("GC-0003,10.00,EUR,31/12/2099", "the expiry is not a YYYY-MM-DD date", id="not-a-date"),
        pytest.param("GC-0003,10.00,EUR,2099-02-30", "the expiry is not a YYYY-MM-DD date", id="no-such-day"),
        pytest.param("GC-0003,10.00,EUR,2020-01-01", "it expired on 2020-01-01", id="expired"),
    ],
)
def test_a_bad_line_is_named_and_nothing_is_imported(tenant: Tenant, line: str, reason: str) -> None:
    GiftCard.objects.create(tenant=tenant, code="POOL-0001", value=1000, currency="EUR")

    with pytest.raises(CsvRefused) as refused:
        giftcards_import(tenant=tenant, upload=csv_file(HEADER, "DUP-00001,10.00,EUR,", line))

    assert refused.value.code == "csv_invalid"
    assert refused.value.fields == {"line 3": [reason]}
    assert refused.value.detail == "Nothing was imported: 1 line(s) need fixing."
    assert list(GiftCard.objects.for_tenant(tenant).values_list("code", flat=True)) == ["POOL-0001"]


def test_a_code_expiring_today_is_refused(tenant: Tenant) -> None:
    today = timezone.localdate()
    with pytest.raises(CsvRefused) as refused:
        giftcards_import(tenant=tenant, upload=csv_file(HEADER, f"GC-0001,10.00,EUR,{today.isoformat()}"))
    assert refused.value.fields == {"line 2": [f"it expired on {today:%Y-%m-%d}"]}
    assert GiftCard.objects.unscoped().count() == 0


def test_every_bad_line_is_named_up_to_a_hundred(tenant: Tenant) -> None:
    with pytest.raises(CsvRefused) as refused:
        giftcards_import(
            tenant=tenant, upload=csv_file(HEADER, "A-1,10.00,EUR,", "A 2,10.00,EUR,", "A-3,10.00,GBP,", "A-1,1,EUR,")
        )
    assert refused.value.fields == {
        "line 3": ["the code is empty, too long, or contains spaces"],
        "line 4": ["the panel pays in EUR, not GBP"],
        "line 5": ["code A-1… is also on line 2"],
    }

    with pytest.raises(CsvRefused) as many:
        giftcards_import(tenant=tenant, upload=csv_file(HEADER, *(f"B-{n},0,EUR," for n in range(150))))
    assert many.value.fields == {f"line {n}": ["the value must be more than zero"] for n in range(2, 102)}
    assert GiftCard.objects.unscoped().count() == 0


@pytest.mark.parametrize(
    ("content", "fields"),
    [
        pytest.param(b"code,value,currency\nGC-1,10.00,EUR\n", {"file": ["No 'expiry' column."]}, id="no-expiry"),
        pytest.param(
            b"",
            {"file": ["No 'code' column.", "No 'value' column.", "No 'currency' column.", "No 'expiry' column."]},
            id="empty-file",
        ),
        pytest.param(b"code,value,currency,expiry\n", {"file": ["No rows."]}, id="header-only"),
        pytest.param(b"code,value,currency,expiry\n\n , , , \n", {"file": ["No rows."]}, id="blank-rows"),
        pytest.param(
            b"code,value,currency,expiry\nGC-1,10.00,EUR,\nGC-\xe9,10.00,EUR,\n", {"file": ["Not UTF-8."]}, id="latin-1"
        ),
    ],
)
def test_a_bad_file_is_refused_whole(tenant: Tenant, content: bytes, fields: dict[str, list[str]]) -> None:
    GiftCard.objects.create(tenant=tenant, code="POOL-0001", value=1000, currency="EUR")
    with pytest.raises(CsvRefused) as refused:
        giftcards_import(tenant=tenant, upload=io.BytesIO(content))
    assert refused.value.fields == fields
    assert list(GiftCard.objects.unscoped().values_list("code", flat=True)) == ["POOL-0001"]


def test_the_pool_is_per_tenant(tenant: Tenant) -> None:
    other = TenantFactory.create(currency="EUR")
    assert giftcards_import(tenant=other, upload=csv_file(HEADER, "SAME-0001,10.00,EUR,")) == 1
    assert giftcards_import(tenant=tenant, upload=csv_file(HEADER, "SAME-0001,10.00,EUR,")) == 1
    assert sorted(GiftCard.objects.unscoped().values_list("tenant_id", "code")) == sorted(
        [(other.pk, "SAME-0001"), (tenant.pk, "SAME-0001")]
    )


# -- gift cards: assignment -------------------------------------------------------------------------


def test_two_payouts_compete_for_one_code_and_the_loser_is_paid_after_an_import(tenant: Tenant) -> None:
    first, second = member(tenant, 1000, "gift_card"), member(tenant, 1000, "gift_card")
    assert giftcards_import(tenant=tenant, upload=csv_file(HEADER, "ONLY-0001,10.00,EUR,")) == 1

    run = pay(tenant)

    winner, loser = payout_of(first), payout_of(second)
    assert (winner.status, winner.amount, loser.status, loser.amount) == ("paid", 1000, "waiting_stock", 1000)
    assert list(GiftCard.objects.unscoped().values_list("code", "payout_id")) == [("ONLY-0001", winner.pk)]
    assert list(loser.gift_cards.all()) == []
    assert run.stock_alert_sent_at is not None
    assert (panelist_balance(panelist=first), panelist_balance(panelist=second)) == (0, 0)
    assert giftcard_stock(tenant=tenant) == PoolStock(0, 0, 1, 0, 1, 1)
    assert balance_of(tenant, "clearing") == 1000  # the loser's money waits in clearing
    assert_money_adds_up(tenant)

    assert giftcards_assign_waiting(tenant=tenant) == Assignment(paid=0, waiting=1)  # still no code
    assert giftcards_import(tenant=tenant, upload=csv_file(HEADER, "MORE-0001,10.00,EUR,", "MORE-0002,10.00,EUR,")) == 2
    assert giftcards_assign_waiting(tenant=tenant) == Assignment(paid=1, waiting=0)
    assert giftcards_assign_waiting(tenant=tenant) == Assignment(paid=0, waiting=0)

    loser.refresh_from_db()
    assert loser.status == "paid"
    assert loser.settled_at is not None
    assert list(loser.gift_cards.values_list("code", flat=True)) == ["MORE-0001"]
    assert list(winner.gift_cards.values_list("code", flat=True)) == ["ONLY-0001"]
    assert giftcard_stock(tenant=tenant) == PoolStock(1, 1000, 2, 0, 0, 0)
    assert (balance_of(tenant, "clearing"), balance_of(tenant, "provider:gift_card")) == (0, 2000)
    assert_money_adds_up(tenant)


def test_a_code_another_worker_holds_is_skipped_not_waited_for(tenant: Tenant) -> None:
    panelist = member(tenant, 1000, "gift_card")
    giftcards_import(tenant=tenant, upload=csv_file(HEADER, "ONLY-0001,10.00,EUR,"))
    run = payout_run_start(tenant=tenant, period=OCTOBER, now=LATER).run
    [chunk_id] = PayoutChunk.objects.unscoped().filter(run=run).values_list("pk", flat=True)
    errors: list[BaseException] = []

    def other_worker() -> None:
        try:
            payout_chunk_process(chunk_id=chunk_id)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    with transaction.atomic():
        GiftCard.objects.unscoped().select_for_update().get(code="ONLY-0001")  # a concurrent assignment holds it
        thread = threading.Thread(target=other_worker)
        thread.start()
        thread.join(timeout=20)
        finished_while_held = not thread.is_alive()
    thread.join()

    assert errors == []
    assert finished_while_held
    assert payout_of(panelist).status == "waiting_stock"
    assert GiftCard.objects.unscoped().get().payout_id is None
    assert giftcards_assign_waiting(tenant=tenant) == Assignment(paid=1, waiting=0)
    assert GiftCard.objects.unscoped().get().payout_id == payout_of(panelist).pk
    assert_money_adds_up(tenant)


def test_a_code_belongs_to_one_payout_and_the_database_refuses_half_an_assignment(tenant: Tenant) -> None:
    first, second = member(tenant, 1000, "gift_card"), member(tenant, 1000, "gift_card")
    giftcards_import(tenant=tenant, upload=csv_file(HEADER, "ONLY-0001,10.00,EUR,"))
    pay(tenant)
    owner, other = payout_of(first), payout_of(second)
    card = GiftCard.objects.unscoped().get()
    assigned_at = card.assigned_at
    assert (card.payout_id, assigned_at is not None) == (owner.pk, True)

    # Offered the other payout directly, the assignment does not take a code that is already given.
    with transaction.atomic():
        assert giftcards_assign(tenant=tenant, payouts=[other]) == Assignment(paid=0, waiting=1)
    card.refresh_from_db()
    assert (card.payout_id, card.assigned_at) == (owner.pk, assigned_at)
    assert list(other.gift_cards.all()) == []

    # The code is one row with one payout column: it cannot be added again for the other payout...
    with pytest.raises(IntegrityError, match="giftcard_code_unique"), transaction.atomic():
        GiftCard.objects.create(
            tenant=tenant, code="ONLY-0001", value=1000, currency="EUR", payout=other, assigned_at=timezone.now()
        )
    with pytest.raises(CsvRefused) as refused:
        giftcards_import(tenant=tenant, upload=csv_file(HEADER, "ONLY-0001,10.00,EUR,"))
    assert refused.value.fields == {"line 2": ["code ONLY-0… is already in the pool"]}
    # ...nor moved to the other payout, nor taken back: once given, a code stays given.
    with pytest.raises(IntegrityError, match="a code is given once"), transaction.atomic():
        GiftCard.objects.unscoped().filter(pk=card.pk).update(payout=other)
    with pytest.raises(IntegrityError, match="a code is given once"), transaction.atomic():
        GiftCard.objects.unscoped().filter(pk=card.pk).update(payout=None, assigned_at=None)
    # ...and the database refuses a payout without an assignment time, or the reverse.
    with pytest.raises(IntegrityError, match="giftcard_assigned_iff_payout"), transaction.atomic():
        GiftCard.objects.unscoped().filter(pk=card.pk).update(assigned_at=None)
    with pytest.raises(IntegrityError, match="giftcard_assigned_iff_payout"), transaction.atomic():
        GiftCard.objects.create(
            tenant=tenant, code="LOOSE-0001", value=1000, currency="EUR", assigned_at=timezone.now()
        )
    with pytest.raises(IntegrityError, match="giftcard_value_positive"), transaction.atomic():
        GiftCard.objects.create(tenant=tenant, code="FREE-0001", value=0, currency="EUR")

    assert list(GiftCard.objects.unscoped().values_list("code", "payout_id")) == [("ONLY-0001", owner.pk)]
    assert (owner.status, other.status) == ("paid", "waiting_stock")
    assert_money_adds_up(tenant)


def test_a_payout_gets_all_its_codes_or_none(tenant: Tenant) -> None:
    big, small = member(tenant, 2000, "gift_card"), member(tenant, 1000, "gift_card")
    giftcards_import(tenant=tenant, upload=csv_file(HEADER, "ONE-0001,10.00,EUR,"))

    pay(tenant)

    assert statuses(big, small) == ["waiting_stock", "paid"]  # the one code goes where it is enough
    assert list(payout_of(small).gift_cards.values_list("code", flat=True)) == ["ONE-0001"]
    assert giftcard_stock(tenant=tenant) == PoolStock(0, 0, 1, 0, 1, 2)

    giftcards_import(tenant=tenant, upload=csv_file(HEADER, "TWO-0001,10.00,EUR,"))
    assert giftcards_assign_waiting(tenant=tenant) == Assignment(paid=0, waiting=1)  # one of two: none given
    assert GiftCard.objects.unscoped().get(code="TWO-0001").payout_id is None

    giftcards_import(tenant=tenant, upload=csv_file(HEADER, "TWO-0002,10.00,EUR,"))
    assert giftcards_assign_waiting(tenant=tenant) == Assignment(paid=1, waiting=0)
    assert sorted(payout_of(big).gift_cards.values_list("code", flat=True)) == ["TWO-0001", "TWO-0002"]
    assert giftcard_stock(tenant=tenant) == PoolStock(0, 0, 3, 0, 0, 0)
    assert_money_adds_up(tenant)


def test_expired_codes_and_codes_of_another_value_are_never_assigned(tenant: Tenant) -> None:
    today = timezone.localdate()
    GiftCard.objects.create(
        tenant=tenant, code="EXPIRED-1", value=1000, currency="EUR", expires_on=today - timedelta(days=1)
    )
    GiftCard.objects.create(tenant=tenant, code="EXPIRES-TODAY", value=1000, currency="EUR", expires_on=today)
    giftcards_import(tenant=tenant, upload=csv_file(HEADER, "HALF-1,5.00,EUR,", "DOUBLE-1,20.00,EUR,"))
    panelist = member(tenant, 1000, "gift_card")

    run = pay(tenant)

    assert payout_of(panelist).status == "waiting_stock"
    assert run.stock_alert_sent_at is not None
    assert giftcard_stock(tenant=tenant) == PoolStock(
        available=0, available_value=0, assigned=0, expired=2, waiting_payouts=1, waiting_codes=1
    )

    later, soon = today + timedelta(days=60), today + timedelta(days=5)
    giftcards_import(
        tenant=tenant,
        upload=csv_file(HEADER, f"LATE-1,10.00,EUR,{later}", "NEVER-1,10.00,EUR,", f"SOON-1,10.00,EUR,{soon}"),
    )
    assert giftcards_assign_waiting(tenant=tenant) == Assignment(paid=1, waiting=0)

    assigned = dict(GiftCard.objects.unscoped().values_list("code", "payout_id"))
    assert assigned == {
        "EXPIRED-1": None,
        "EXPIRES-TODAY": None,
        "HALF-1": None,
        "DOUBLE-1": None,
        "LATE-1": None,
        "NEVER-1": None,
        "SOON-1": payout_of(panelist).pk,  # the code that expires first goes first
    }
    assert giftcard_stock(tenant=tenant) == PoolStock(2, 2000, 1, 2, 0, 0)
    assert_money_adds_up(tenant)


def test_codes_must_match_the_tenants_gift_card_value(tenant: Tenant) -> None:
    rules = reward_settings_get(tenant=tenant)
    rules.gift_card_value = 2000
    rules.save()
    panelist = member(tenant, 4500, "gift_card")
    giftcards_import(tenant=tenant, upload=csv_file(HEADER, *(f"TEN-{n},10.00,EUR," for n in range(5))))

    pay(tenant)

    payout = payout_of(panelist)
    assert (payout.amount, payout.status) == (4000, "waiting_stock")  # whole codes; 5.00 stays on the balance
    assert panelist_balance(panelist=panelist) == 500
    assert giftcard_stock(tenant=tenant) == PoolStock(0, 0, 0, 0, 1, 2)

    giftcards_import(tenant=tenant, upload=csv_file(HEADER, "TWENTY-1,20.00,EUR,", "TWENTY-2,20.00,EUR,"))
    assert giftcards_assign_waiting(tenant=tenant) == Assignment(paid=1, waiting=0)
    assert sorted(payout.gift_cards.values_list("code", flat=True)) == ["TWENTY-1", "TWENTY-2"]
    assert GiftCard.objects.unscoped().filter(code__startswith="TEN-", payout__isnull=True).count() == 5
    assert_money_adds_up(tenant)


def test_the_stock_alert_is_sent_once_per_run(tenant: Tenant) -> None:
    a, b, c = (member(tenant, 1000, "gift_card") for _ in range(3))
    giftcards_import(tenant=tenant, upload=csv_file(HEADER, "ONLY-0001,10.00,EUR,"))
    with override_settings(PAYOUT_CHUNK_SIZE=1):
        run = payout_run_start(tenant=tenant, period=OCTOBER, now=LATER).run
    chunks = list(PayoutChunk.objects.unscoped().filter(run=run).order_by("number").values_list("pk", flat=True))
    assert len(chunks) == 3

    assert payout_chunk_process(chunk_id=chunks[0])
    run.refresh_from_db()
    assert run.stock_alert_sent_at is None  # paid: nothing waits
    assert payout_chunk_process(chunk_id=chunks[1])
    run.refresh_from_db()
    alerted = run.stock_alert_sent_at
    assert alerted is not None
    assert payout_chunk_process(chunk_id=chunks[2])
    run.refresh_from_db()
    assert run.stock_alert_sent_at == alerted  # a second waiting chunk does not alert again
    assert run.status == "done"
    assert statuses(a, b, c) == ["paid", "waiting_stock", "waiting_stock"]
    assert giftcard_stock(tenant=tenant) == PoolStock(0, 0, 1, 0, 2, 2)

    panelist_credit(panelist=a, amount=1000, reason="bonus", idempotency_key=f"bonus:{a.pk}:2")
    november = pay(tenant, NOVEMBER)
    assert november.stock_alert_sent_at is not None  # a new run alerts on its own
    run.refresh_from_db()
    assert run.stock_alert_sent_at == alerted
    assert Payout.objects.unscoped().get(run=november).status == "waiting_stock"
    assert_money_adds_up(tenant)


# -- mass payments ----------------------------------------------------------------------------------


def test_a_batch_takes_every_pending_email_payout_once(tenant: Tenant) -> None:
    alice = member(tenant, 1550)  # no preference: the account's address
    bob = member(tenant, 100005, "mass_payment", email="bob.pays@example.test")
    carol = member(tenant, 1000, "gift_card")
    dora = member(tenant, 999)  # under the threshold
    giftcards_import(tenant=tenant, upload=csv_file(HEADER, "CAROL-1,10.00,EUR,"))
    pay(tenant)
    assert mass_payment_pending(tenant=tenant) == (2, 101555)

    batch = mass_payment_batch_create(tenant=tenant, actor="user:1")

    assert batch is not None
    assert (batch.status, batch.payout_count, batch.total_amount, batch.actor) == ("sent", 2, 101555, "user:1")
    in_batch = Payout.objects.unscoped().filter(batch=batch).order_by("pk")
    assert list(in_batch.values_list("panelist_id", "status", "email", "amount")) == [
        (alice.pk, "sent", email_of(alice), 1550),
        (bob.pk, "sent", "bob.pays@example.test", 100005),
    ]
    assert (payout_of(carol).status, payout_of(carol).batch_id) == ("paid", None)
    assert not Payout.objects.unscoped().filter(panelist=dora).exists()
    assert mass_payment_pending(tenant=tenant) == (0, 0)
    assert mass_payment_batch_create(tenant=tenant, actor="user:1") is None
    assert MassPaymentBatch.objects.unscoped().count() == 1

    assert list(mass_payment_csv(batch=batch)) == [
        "recipient_email,amount,currency,reference\r\n",
        f"{email_of(alice)},15.50,EUR,{ref(alice)}\r\n",
        f"bob.pays@example.test,1000.05,EUR,{ref(bob)}\r\n",
    ]
    assert balance_of(tenant, "clearing") == 101555
    assert_money_adds_up(tenant)


def test_the_csv_of_a_zero_decimal_currency_has_no_decimals() -> None:
    yen = TenantFactory.create(currency="JPY", country="JP", timezone="Asia/Tokyo")
    taro, hanako = member(yen, 1500), member(yen, 123456)
    pay(yen)
    batch = mass_payment_batch_create(tenant=yen, actor="system")
    assert batch is not None
    assert list(mass_payment_csv(batch=batch)) == [
        "recipient_email,amount,currency,reference\r\n",
        f"{email_of(taro)},1500,JPY,{ref(taro)}\r\n",
        f"{email_of(hanako)},123456,JPY,{ref(hanako)}\r\n",
    ]
    assert_money_adds_up(yen)


def test_marking_a_batch_paid_settles_it_once(tenant: Tenant) -> None:
    alice, bob = member(tenant, 1550), member(tenant, 2000)
    pay(tenant)
    batch = mass_payment_batch_create(tenant=tenant, actor="user:1")
    assert batch is not None

    assert mass_payment_mark_paid(batch=batch, actor="user:7") == 2

    batch.refresh_from_db()
    settled_at = batch.settled_at
    assert (batch.status, settled_at is not None) == ("settled", True)
    assert statuses(alice, bob) == ["paid", "paid"]
    assert all(p.settled_at is not None for p in Payout.objects.unscoped().all())
    assert (balance_of(tenant, "clearing"), balance_of(tenant, "provider:mass_payment")) == (0, 3550)
    settled = LedgerTransaction.objects.unscoped().filter(reason="settled")
    assert sorted(settled.values_list("idempotency_key", "actor")) == sorted(
        [(f"payout-settle:{payout_of(p).pk}", "user:7") for p in (alice, bob)]
    )

    assert mass_payment_mark_paid(batch=batch, actor="user:7") == 0
    batch.refresh_from_db()
    assert (batch.status, batch.settled_at) == ("settled", settled_at)  # the repeat changes nothing
    assert settled.count() == 2
    assert balance_of(tenant, "provider:mass_payment") == 3550
    assert_money_adds_up(tenant)


def test_a_result_file_settles_paid_lines_and_returns_the_rest_to_the_balance(tenant: Tenant) -> None:
    alice, bob, carol = member(tenant, 1200), member(tenant, 1300), member(tenant, 1400)
    pay(tenant)
    batch = mass_payment_batch_create(tenant=tenant, actor="user:1")
    assert batch is not None
    result = (RESULT_HEADER, f"{ref(alice)},paid,", f" {ref(bob)} ,RETURNED,mailbox closed", f"{ref(alice)},paid,")

    assert mass_payment_result_import(batch=batch, upload=csv_file(*result), actor="user:7") == ResultImport(1, 1, 0)

    assert statuses(alice, bob, carol) == ["paid", "returned", "sent"]
    assert payout_of(bob).note == "mailbox closed"
    assert [panelist_balance(panelist=p) for p in (alice, bob, carol)] == [0, 1300, 0]
    returned = LedgerTransaction.objects.unscoped().get(reason="returned")
    assert (returned.memo, returned.actor) == ("mailbox closed", "user:7")
    batch.refresh_from_db()
    assert (batch.status, batch.settled_at) == ("sent", None)  # carol is still out
    assert (balance_of(tenant, "clearing"), balance_of(tenant, "provider:mass_payment")) == (1400, 1200)
    assert_money_adds_up(tenant)

    # The same file again changes nothing.
    assert mass_payment_result_import(batch=batch, upload=csv_file(*result), actor="user:7") == ResultImport(0, 0, 2)
    assert statuses(alice, bob, carol) == ["paid", "returned", "sent"]
    assert panelist_balance(panelist=bob) == 1300
    assert LedgerTransaction.objects.unscoped().filter(reason__in=["settled", "returned"]).count() == 2

    # The last result closes the batch; the columns may come in any order and the note is optional.
    last = csv_file("status,reference", f"paid,{ref(carol)}")
    assert mass_payment_result_import(batch=batch, upload=last, actor="user:7") == ResultImport(1, 0, 0)
    batch.refresh_from_db()
    assert (batch.status, batch.settled_at is not None) == ("settled", True)
    assert_money_adds_up(tenant)

    # The returned money is paid at the next run.
    pay(tenant, NOVEMBER)
    again = payout_of(bob, NOVEMBER)
    assert (again.amount, again.status, again.reference, again.email) == (
        1300,
        "pending",
        ref(bob, NOVEMBER),
        email_of(bob),
    )
    assert panelist_balance(panelist=bob) == 0
    assert not Payout.objects.unscoped().filter(run__period=NOVEMBER).exclude(panelist=bob).exists()
    assert balance_of(tenant, "clearing") == 1300
    assert_money_adds_up(tenant)


@pytest.mark.parametrize(
    ("lines", "fields"),
    [
        pytest.param(
            ["FP-000000-0,paid,"], {"line 3": ["'FP-000000-0' is not a payout of this batch"]}, id="unknown-reference"
        ),
        pytest.param(
            ["{b},bounced,"], {"line 3": ["status 'bounced' is neither 'paid' nor 'returned'"]}, id="bad-status"
        ),
        pytest.param(["{b},,"], {"line 3": ["status '' is neither 'paid' nor 'returned'"]}, id="no-status"),
        pytest.param(
            ["{b},paid,", "{b},returned,"],
            {"line 4": ["{b} is both paid and returned in this file"]},
            id="paid-and-returned",
        ),
        pytest.param(["{a},returned,too late"], {"line 3": ["{a} is already paid"]}, id="contradicts-settled"),
        pytest.param(["{d},paid,"], {"line 3": ["{d} is already returned"]}, id="contradicts-returned"),
    ],
)
def test_a_bad_result_line_is_named_and_nothing_is_written(
    tenant: Tenant, lines: list[str], fields: dict[str, list[str]]
) -> None:
    a, b, c, d = (member(tenant, 1000 + n) for n in range(4))
    other = member(tenant, 5000)
    pay(tenant)
    batch = mass_payment_batch_create(tenant=tenant, actor="user:1")
    assert batch is not None
    settle = csv_file(RESULT_HEADER, f"{ref(a)},paid,", f"{ref(d)},returned,no such account")
    assert mass_payment_result_import(batch=batch, upload=settle, actor="user:1") == ResultImport(1, 1, 0)
    refs = {"a": ref(a), "b": ref(b), "d": ref(d)}
    before = (
        statuses(a, b, c, d, other),
        [panelist_balance(panelist=p) for p in (a, b, c, d)],
        balance_of(tenant, "clearing"),
        LedgerTransaction.objects.unscoped().count(),
    )
    assert before == (["paid", "sent", "sent", "returned", "sent"], [0, 0, 0, 1003], 7003, 12)

    upload = csv_file(RESULT_HEADER, f"{ref(c)},paid,", *(line.format(**refs) for line in lines))
    with pytest.raises(CsvRefused) as refused:
        mass_payment_result_import(batch=batch, upload=upload, actor="user:1")

    assert refused.value.fields == {k: [r.format(**refs) for r in v] for k, v in fields.items()}
    after = (
        statuses(a, b, c, d, other),
        [panelist_balance(panelist=p) for p in (a, b, c, d)],
        balance_of(tenant, "clearing"),
        LedgerTransaction.objects.unscoped().count(),
    )
    assert after == before  # even carol's good line was not applied
    batch.refresh_from_db()
    assert batch.status == "sent"
    assert_money_adds_up(tenant)


def test_a_payout_of_another_batch_is_not_in_this_result_file(tenant: Tenant) -> None:
    first = member(tenant, 1000)
    pay(tenant)
    old = mass_payment_batch_create(tenant=tenant, actor="user:1")
    second = member(tenant, 1000)
    pay(tenant, NOVEMBER)
    new = mass_payment_batch_create(tenant=tenant, actor="user:1")
    assert old is not None
    assert new is not None
    with pytest.raises(CsvRefused) as refused:
        mass_payment_result_import(batch=new, upload=csv_file(RESULT_HEADER, f"{ref(first)},paid,"), actor="u")
    assert refused.value.fields == {"line 2": [f"'{ref(first)}' is not a payout of this batch"]}
    assert statuses(first) == ["sent"]
    assert payout_of(second, NOVEMBER).status == "sent"
    assert_money_adds_up(tenant)


@pytest.mark.parametrize(
    ("content", "fields"),
    [
        pytest.param(b"reference,note\nFP-1,x\n", {"file": ["No 'status' column."]}, id="no-status-column"),
        pytest.param(b"reference,status,note\n", {"file": ["No rows."]}, id="header-only"),
        pytest.param(b"", {"file": ["No 'reference' column.", "No 'status' column."]}, id="empty-file"),
        pytest.param(b"reference,status,note\nFP-1,paid,r\xe9sum\xe9\n", {"file": ["Not UTF-8."]}, id="latin-1"),
    ],
)
def test_a_bad_result_file_is_refused_whole(tenant: Tenant, content: bytes, fields: dict[str, list[str]]) -> None:
    panelist = member(tenant, 1000)
    pay(tenant)
    batch = mass_payment_batch_create(tenant=tenant, actor="user:1")
    assert batch is not None
    with pytest.raises(CsvRefused) as refused:
        mass_payment_result_import(batch=batch, upload=io.BytesIO(content), actor="user:1")
    assert refused.value.fields == fields
    assert statuses(panelist) == ["sent"]
    assert balance_of(tenant, "clearing") == 1000
    assert_money_adds_up(tenant)


# -- charities --------------------------------------------------------------------------------------


def test_charity_add_refuses_an_empty_name_and_a_duplicate_whatever_its_case(tenant: Tenant) -> None:
    msf = charity_add(tenant=tenant, name="  Médecins Sans Frontières ", website=" https://www.msf.org ")
    assert (msf.name, msf.website, msf.is_active) == ("Médecins Sans Frontières", "https://www.msf.org", True)

    for name in ("", "   ", "x" * 121):
        with pytest.raises(DomainError) as refused:
            charity_add(tenant=tenant, name=name)
        assert type(refused.value) is DomainError
        assert refused.value.fields == {"name": ["Required."]}
    for name in ("Médecins Sans Frontières", "MÉDECINS SANS FRONTIÈRES", " médecins sans frontières"):
        with pytest.raises(Conflict) as duplicate:
            charity_add(tenant=tenant, name=name)
        assert duplicate.value.code == "charity_exists"
    assert list(Charity.objects.for_tenant(tenant).values_list("name", flat=True)) == ["Médecins Sans Frontières"]

    other = TenantFactory.create()
    assert charity_add(tenant=other, name="médecins sans frontières").tenant_id == other.pk  # names are per tenant
    assert charity_add(tenant=tenant, name="x" * 120).name == "x" * 120


def test_charity_totals_sum_the_donations_of_each_charity(tenant: Tenant) -> None:
    msf = charity_add(tenant=tenant, name="Médecins Sans Frontières")
    red_cross = charity_add(tenant=tenant, name="Croix-Rouge")
    charity_add(tenant=tenant, name="WWF")
    first = member(tenant, 1250, "charity", charity=msf)
    member(tenant, 1000, "charity", charity=msf)
    member(tenant, 3000, "charity", charity=red_cross)
    by_email = member(tenant, 1100)
    other = TenantFactory.create()
    elsewhere = charity_add(tenant=other, name="Médecins Sans Frontières")
    member(other, 7000, "charity", charity=elsewhere)

    pay(tenant)
    pay(other)

    assert [(t.charity.name, t.donated, t.donations) for t in charity_totals(tenant=tenant)] == [
        ("Croix-Rouge", 3000, 1),
        ("Médecins Sans Frontières", 2250, 2),
        ("WWF", 0, 0),
    ]
    assert payout_of(by_email).method == "mass_payment"
    assert balance_of(tenant, "clearing") == 1100  # donations settle at once; only the email payout is open

    panelist_credit(panelist=first, amount=1000, reason="bonus", idempotency_key=f"bonus:{first.pk}:2")
    pay(tenant, NOVEMBER)
    assert [(t.charity.name, t.donated, t.donations) for t in charity_totals(tenant=tenant)] == [
        ("Croix-Rouge", 3000, 1),
        ("Médecins Sans Frontières", 3250, 3),
        ("WWF", 0, 0),
    ]
    assert [(t.charity.pk, t.donated, t.donations) for t in charity_totals(tenant=other)] == [(elsewhere.pk, 7000, 1)]
    assert_money_adds_up(tenant)
    assert_money_adds_up(other)
