"""数据一本帐 — the data ledger: one catalog of every department's data resources and capabilities."""
