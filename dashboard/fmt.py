"""How figures are written on the dashboard: soles as Peruvians write them, dates dd/mm/yyyy, Spanish month names."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

MESES = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "setiembre",  # MEF and most Peruvian publications write "setiembre"
    "octubre",
    "noviembre",
    "diciembre",
)


def soles(amount: float | int | Decimal | None, decimals: int = 2) -> str:
    """Return ``S/ 1,234,567.89`` (comma thousands, point decimals, minus before the symbol); ``—`` for None."""
    if amount is None:
        return "—"
    text = f"{abs(amount):,.{decimals}f}"
    return f"-S/ {text}" if amount < 0 and text.strip("0.,") else f"S/ {text}"


def pct(value: float | Decimal | None, decimals: int = 1) -> str:
    """Return ``45.3 %``; ``—`` for None (no PIM, nothing to divide by)."""
    return "—" if value is None else f"{value:,.{decimals}f} %"


def fecha(value: date | datetime | None, with_time: bool = False) -> str:
    """Return dd/mm/yyyy (``with_time``: dd/mm/yyyy hh:mm); ``—`` for None or a missing pandas value (NaT)."""
    if value is None or value != value:  # NaT and NaN are not equal to themselves
        return "—"
    if with_time and isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def mes(month: int | None) -> str:
    """Return the Spanish name of month 1..12 (``apertura`` for month 0, the PIA/PIM rows of older files)."""
    if month is None:
        return "—"
    if month == 0:
        return "apertura"
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 0..12, got {month}")
    return MESES[month - 1]


def semaforo(value: float | Decimal | None, green_from: float, amber_from: float) -> str:
    """Traffic light of an execution %: ``verde`` at or above ``green_from``, ``ámbar`` at or above ``amber_from``,
    else ``rojo``; ``sin PIM`` when there is no % (PIM 0)."""
    if value is None:
        return "sin PIM"
    if value >= green_from:
        return "verde"
    return "ámbar" if value >= amber_from else "rojo"
