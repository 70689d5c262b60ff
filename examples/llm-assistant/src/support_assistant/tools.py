"""Tools the support assistant may call while answering a ticket."""

import subprocess


def lookup_order(order_id: str) -> str:
    """Look an order up with the legacy CLI (order ids come from the model's tool call)."""
    return subprocess.check_output(f"orders-cli show {order_id}", shell=True, text=True)
