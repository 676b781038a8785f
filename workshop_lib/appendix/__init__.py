"""The appendices' answer keys: a training loop without the Trainer, and LoRA."""
