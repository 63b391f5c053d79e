"""Direct invitations from CSV: all or nothing, bad lines named, wrong encodings and huge files refused."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.csvfiles import MAX_ROWS, CsvRefused
from panel.models import Invitation
from panel.services.invitation_import import invitations_csv_import
from tenants.roles import Role
from tests.factories import PanelistFactory, TenantFactory, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant():
    tenant = TenantFactory.create(slug="csvpanel")
    publish(tenant, "membership")  # nobody is invited before the membership text exists
    return tenant


def test_a_clean_file_invites_everyone_in_it(tenant, django_capture_on_commit_callbacks) -> None:
    data = "name,email\nAna,ana@example.test\nBo,BO@example.test\n\n"

    with django_capture_on_commit_callbacks() as callbacks:
        count = invitations_csv_import(tenant=tenant, upload=io.BytesIO(data.encode("utf-8-sig")), created_by=None)

    assert count == 2
    assert sorted(Invitation.objects.unscoped().filter(tenant=tenant).values_list("email", flat=True)) == [
        "ana@example.test",
        "bo@example.test",
    ]
    assert len(callbacks) == 1


def test_a_file_with_bad_lines_imports_nothing_and_names_each_line(tenant) -> None:
    member = PanelistFactory.create(tenant=tenant)
    assert member.user is not None
    data = f"email\nok@example.test\nnot-an-email\nok@example.test\n{member.user.email}\n"

    with pytest.raises(CsvRefused) as refused:
        invitations_csv_import(tenant=tenant, upload=io.BytesIO(data.encode()), created_by=None)

    assert refused.value.fields == {
        "line 3": ["'not-an-email' is not an email address"],
        "line 4": ["ok@example.test is also on line 2"],
        "line 5": [f"{member.user.email} is already a panelist"],
    }
    assert not Invitation.objects.unscoped().exists()


def test_a_file_that_is_not_utf8_is_refused(tenant) -> None:
    data = "email\nzoë@example.test\n".encode("latin-1")

    with pytest.raises(CsvRefused, match="not UTF-8 text"):
        invitations_csv_import(tenant=tenant, upload=io.BytesIO(data), created_by=None)
    assert not Invitation.objects.unscoped().exists()


def test_a_file_with_too_many_rows_is_refused_while_streaming(tenant) -> None:
    class Rows(io.RawIOBase):
        """A million-row file that is never whole in memory."""

        def __init__(self) -> None:
            self.lines = (f"p{n}@example.test\n".encode() for n in range(1_000_000))
            self.header = b"email\n"

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            chunk = self.header or next(self.lines, b"")
            self.header = b""
            buffer[: len(chunk)] = chunk
            return len(chunk)

    with pytest.raises(CsvRefused, match=f"more than {MAX_ROWS:,} rows"):
        invitations_csv_import(tenant=tenant, upload=io.BufferedReader(Rows()), created_by=None)
    assert not Invitation.objects.unscoped().exists()


def test_a_file_without_an_email_column_is_refused(tenant) -> None:
    with pytest.raises(CsvRefused, match="'email'"):
        invitations_csv_import(tenant=tenant, upload=io.BytesIO(b"name,phone\nAna,123\n"), created_by=None)


def test_the_console_upload_reports_line_numbers(make_staff, tenant) -> None:
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    upload = SimpleUploadedFile("people.csv", b"email\ngood@example.test\nbad\n", content_type="text/csv")

    response = manager.client.post("/t/csvpanel/console/invitations/import/", {"file": upload})

    assert response.status_code == 400
    assert "line 3" in response.content.decode()
    assert not Invitation.objects.unscoped().exists()


def test_a_french_operator_reads_the_bad_lines_in_french(make_staff, tenant) -> None:
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    upload = SimpleUploadedFile("people.csv", b"email\ngood@example.test\nbad\n", content_type="text/csv")

    response = manager.client.post(
        "/t/csvpanel/console/invitations/import/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="fr"
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Rien n’a été importé : 1 ligne(s) à corriger." in html
    assert "ligne 3 : &#x27;bad&#x27; n’est pas une adresse e-mail" in html


def test_an_address_with_an_expired_invitation_can_be_invited_again(tenant) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from panel.services.invitations import invitation_create

    old = invitation_create(tenant=tenant, email="again@example.test")
    Invitation.objects.unscoped().filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=1))

    count = invitations_csv_import(tenant=tenant, upload=io.BytesIO(b"email\nagain@example.test\n"), created_by=None)

    assert count == 1
    assert Invitation.objects.unscoped().get(pk=old.pk).status == "revoked"
    assert (
        Invitation.objects.unscoped().filter(tenant=tenant, email="again@example.test", status="pending").count() == 1
    )
