"""Run everything offline in the smoke profile, with artifacts in a fresh temporary folder."""

import os
import tempfile

os.environ["WORKSHOP_PROFILE"] = "smoke"
os.environ["WORKSHOP_OUTPUT_DIR"] = tempfile.mkdtemp(prefix="workshop-test-")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
