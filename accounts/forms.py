"""accounts' forms: the emailed code that opens the set-up of a second factor."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy


class EnrolmentCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the email"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
