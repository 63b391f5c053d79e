"""Writes of receipts: the program (``program``), submitting and reading (``submission``), checks and
decisions (``review``), the monthly milestone (``milestone``)."""
