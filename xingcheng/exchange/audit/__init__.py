"""The tamper-evident audit log: hash-chained entries, RFC 9162 Merkle trees, Ed25519-signed tree heads."""
