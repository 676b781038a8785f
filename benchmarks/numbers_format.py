"""How the documents write numbers: every figure is formatted here."""

from __future__ import annotations

from collections.abc import Callable

NOT_MEASURED = "not measured for this recipe"  # a figure whose recipe no results file holds


def num(value: float, digits: int | None = None) -> str:
    """A number as the docs write it: thousands separated; `digits` decimals, else as recorded."""
    if digits is not None:
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    whole, _, frac = repr(float(value)).partition(".")
    return f"{int(whole):,}" + (f".{frac}" if frac else "")


def fixed(digits: int) -> Callable[[float], str]:
    """A formatter with `digits` decimals."""
    return lambda value: num(value, digits)


def with_unit(text: str, unit: str) -> str:
    """`text` and its unit; ratios (x, ×) attach without a space."""
    if not unit:
        return text
    return f"{text}{unit}" if unit in ("x", "×") else f"{text} {unit}"


def secs(seconds: float) -> str:
    """Whole seconds: 1,045 s."""
    return f"{seconds:,.0f} s"


def secs_fine(seconds: float) -> str:
    """Seconds with two decimals, for parts of a step: 0.42 s."""
    return f"{seconds:,.2f} s"


def gflops(rate: float) -> str:
    """A matrix-product rate: 895 GFLOP/s."""
    return f"{rate:,.0f} GFLOP/s"


def rates(found: dict[str, float]) -> str:
    """Matrix-product rates by precision: 900 GFLOP/s in bf16 and 190 GFLOP/s in fp32."""
    return " and ".join(f"{gflops(rate)} in {precision}" for precision, rate in found.items())


def secs_min(seconds: float) -> str:
    """Seconds and minutes: 443 s (7.4 min)."""
    return f"{secs(seconds)} ({seconds / 60:.1f} min)"


def gib(value: float) -> str:
    """Memory in GiB, two decimals."""
    return f"{value:.2f} GiB"


def gib_gb(value: float) -> str:
    """Memory in GiB and in GB: 3.64 GiB (3.91 GB)."""
    return f"{gib(value)} ({value * 2**30 / 1e9:.2f} GB)"


def mcc(value: float) -> str:
    """An MCC (or another score below 1), three decimals."""
    return f"{value:.3f}"


def pct(share: float, digits: int = 0) -> str:
    """A share as a percentage: 4.5 %."""
    return f"{100 * share:.{digits}f} %"


def ratio(value: float, digits: int = 2, sign: str = "x") -> str:
    """A speed or time ratio: 1.56x."""
    return f"{value:.{digits}f}{sign}"


def per_seed(values: list, fmt: Callable = mcc, unit: str = "") -> str:
    """One value per seed (or run): 0.383 / 0.300 / 0.354."""
    return with_unit(" / ".join(fmt(v) for v in values), unit)


def span(values: list, fmt: Callable = num, unit: str = "") -> str:
    """Lowest-highest: 286-290 s."""
    low, high = fmt(min(values)), fmt(max(values))
    return with_unit(low if low == high else f"{low}-{high}", unit)
