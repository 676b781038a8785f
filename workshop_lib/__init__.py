"""gpt2-cola-workshop: shared code for the six workshop notebooks."""
