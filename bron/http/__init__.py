"""HTTP pieces every Bron service shares: problem details and caller identity."""
