"""数据服务超市 — the exchange: share requests and grants, the data-service gateway, masking, rate limits and
the tamper-evident audit log. It is the only path by which rows of the lake leave the hub."""
