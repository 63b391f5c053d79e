"""Receipts: panelists photograph (or forward as PDF) their purchase receipts; Fairpanel checks them,
people review what the machine cannot decide, and N approved receipts in a calendar month pay the
month's milestone.

Invariants:
- Nothing an upload carries is decoded before its size, its sniffed type (which must agree with its
  name) and its structure are checked (``receipts.intake``); images are decoded with an explicit
  format and a pixel cap, PDFs rendered with a page cap. Only a re-encoded copy is kept (no EXIF, no
  GPS); the original bytes are never stored.
- Stored images are never public: people see them through short-lived signed URLs
  (``receipts.storage``), and card numbers the reader found are blacked out before anyone does.
- The reader corroborates what the panelist confirms; it never decides alone. Only deterministic rules
  reject automatically (an exact duplicate, outside the purchase window); everything doubtful goes to
  a person, and every decision records who made it and when. A rejection may be appealed once, to a
  different reviewer.
- The milestone is paid at once, in the approval's own transaction, through ``panelist_credit`` keyed
  ``receipts:<panelist>:<YYYY-MM>:<step>``: a per panelist and month tally row, incremented under its
  row lock, hands each approval a distinct count, so racing approvals pay it exactly once.
"""
