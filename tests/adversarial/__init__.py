"""The adversarial corpus: hostile repositories, each proven against the real consumer, each refused by the gate."""
