"""What only the notebooks use: the setup around each lesson, caveats, the QA demo, exploration, plots.

The notebook-facing helpers are importable from here: `from workshop_lib import lessons; lessons.quiet()`.
"""

from .caveats import caveat, print_caveat
from .notebook import (
    causal_scores,
    faster_gelu,
    faster_kernels,
    head,
    head_logits,
    load_metrics,
    load_report,
    quiet,
    recipe_extras,
    save_metrics,
    start,
)

__all__ = [
    "caveat", "causal_scores", "faster_gelu", "faster_kernels", "head", "head_logits", "load_metrics",
    "load_report", "print_caveat", "quiet", "recipe_extras", "save_metrics", "start",
]
