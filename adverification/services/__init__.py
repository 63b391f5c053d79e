"""Writes of ad verification: the program (``program``), pairing and devices (``devices``), the
ingest of batches (``ingest``), the roll-up, deletions and partitions (``counts``)."""
