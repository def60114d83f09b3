"""Declared parsers as DuckDB SQL: each turns a field's text into its type, or NULL when it cannot.

A contract names a parser per field (``parser: number | date | yearmonth | extract``) with Table Schema's own options
(``decimalChar``, ``groupChar``, ``bareNumber``, ``format``) and this project's (``extract``, ``padTo``). Parsing runs
inside DuckDB, column at a time, never as a Python loop per cell. :func:`field_sql` returns the expression for the
value and :func:`failure_sql` the reason a non-missing value could not be read (NULL when it could); the loader
rejects rows with a reason into ``ops.rejects``.

Formats Peruvian files use, each covered by a test on a real file: ``"132,120,049"`` (groupChar ``,``),
``"S/. 20,652,795.00"`` and ``"44.5 %"`` (``bareNumber: false``), ``"1205287 56"`` (decimalChar space),
``6.1049142994E8``, ``2480997.0`` (an integer written as a float), ``dd/mm/yyyy``, ``dd-mm-yyyy``, Excel serial dates
(``format: excel``), ``ABR-2018`` (``format: MON-%Y``, Spanish months), fused ``code: name`` cells (``extract``), and
placeholders such as ``Información no disponible``, ``NA``, ``S.I.`` (``missingValues``) read as NULL.
"""

from __future__ import annotations

from ingest.contracts import Field

# Spanish month abbreviations as MEF writes them (SET and SEP both appear for September).
SPANISH_MONTHS = ("ENE", "FEB", "MAR", "ABR", "MAY", "JUN", "JUL", "AGO", "SEP", "OCT", "NOV", "DIC")
EXCEL_EPOCH = "1899-12-30"  # Excel's day 0 (its 1900 leap-year bug included)
_NUMBER_TEXT = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


def sql_str(value: str) -> str:
    """Return ``value`` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    """Return ``name`` as a quoted SQL identifier (header text may hold spaces, accents, ``%``)."""
    return '"' + name.replace('"', '""') + '"'


def missing_sql(text: str, missing_values: tuple[str, ...]) -> str:
    """Return ``text`` with the declared placeholders (and NULL) as NULL; values are compared after trimming."""
    if not missing_values:
        return text
    listed = ", ".join(sql_str(v.strip()) for v in missing_values)
    return f"(case when trim({text}) in ({listed}) then null else {text} end)"


def _number_text(text: str, f: Field) -> str:
    """Return SQL normalising a number's text to DuckDB's form: digits, one '.', optional exponent."""
    expr = text
    if not f.bare_number:  # currency and units around the number: "S/. 1,000.00", "44.5 %"
        expr = f"regexp_replace(regexp_replace({expr}, '^[^0-9+-]+', ''), '[^0-9]+$', '')"
    if f.group_char is not None:
        expr = f"replace({expr}, {sql_str(f.group_char)}, '')"
    if f.decimal_char != ".":
        expr = f"replace({expr}, {sql_str(f.decimal_char)}, '.')"
    return f"trim({expr})"


def _number(text: str, f: Field) -> str:
    normalised = _number_text(text, f)
    exact = f"try_cast({normalised} as DECIMAL(38,10))"
    # Scientific notation (6.1049142994E8) goes through DOUBLE; plain decimals stay exact to the cent.
    decimal = (
        f"(case when not regexp_full_match({normalised}, {sql_str(_NUMBER_TEXT)}) then null "
        f"when contains(lower({normalised}), 'e') then try_cast(try_cast({normalised} as DOUBLE) as DECIMAL(38,10)) "
        f"else {exact} end)"
    )
    if f.sql_type in ("SMALLINT", "INTEGER", "BIGINT"):  # 2480997.0 is an integer; 2480997.5 is not
        return f"(case when {decimal} = trunc({decimal}) then try_cast({decimal} as {f.sql_type}) end)"
    if f.sql_type == "DOUBLE":
        return f"(case when {decimal} is not null then try_cast({normalised} as DOUBLE) end)"
    return f"try_cast({decimal} as {f.sql_type})"


def _date_format(text: str, fmt: str) -> str:
    if fmt == "excel":  # a serial day number, possibly written as a float (43195, 43195.0)
        return (
            f"(case when regexp_full_match(trim({text}), '[0-9]{{1,6}}(\\.0+)?') "
            f"then date {sql_str(EXCEL_EPOCH)} + cast(cast(trim({text}) as DOUBLE) as INTEGER) end)"
        )
    if fmt == "MON-%Y":  # ABR-2018, SET-2019
        months = "[" + ", ".join(sql_str(m) for m in SPANISH_MONTHS) + "]"
        part = f"regexp_extract(upper(trim({text})), '^([A-Z]{{3}})-([0-9]{{4}})$', ['mon', 'year'])"
        month = f"list_position({months}, replace({part}.mon, 'SET', 'SEP'))"
        return f"(case when {part}.mon <> '' then make_date(cast({part}.year as INTEGER), {month}, 1) end)"
    parsed = f"cast(try_strptime(trim({text}), {sql_str(fmt)}) as DATE)"
    if fmt == "%Y%m":  # strptime would take '20231' as January: a YYYYMM month is exactly six digits
        return f"(case when regexp_full_match(trim({text}), '[0-9]{{6}}') then {parsed} end)"
    return parsed


def _date(text: str, f: Field) -> str:
    # A date cell of an XLSX reads as ISO 8601 (ingest.xlsx.cell_text), so ISO is always accepted last.
    formats = [*f.formats, *(["%Y-%m-%d"] if f.parser == "date" and "%Y-%m-%d" not in f.formats else [])]
    candidates = [_date_format(text, fmt) for fmt in formats]
    value = candidates[0] if len(candidates) == 1 else f"coalesce({', '.join(candidates)})"
    if f.parser == "yearmonth":
        value = f"date_trunc('month', {value})"
    return f"cast({value} as {f.sql_type})"


def _extract(text: str, f: Field) -> str:
    assert f.extract is not None
    value = f"nullif(regexp_extract({text}, {sql_str(f.extract)}, 1), '')"
    if f.pad_to:
        value = f"lpad({value}, {f.pad_to}, '0')"
    return value if f.sql_type == "VARCHAR" else f"try_cast({value} as {f.sql_type})"


def field_sql(text: str, f: Field, missing_values: tuple[str, ...]) -> str:
    """Return the SQL expression giving field ``f`` from the text expression ``text`` (NULL when unreadable)."""
    value = missing_sql(text, f.missing_values if f.missing_values is not None else missing_values)
    if f.parser == "number":
        return _number(value, f)
    if f.parser in ("date", "yearmonth"):
        return _date(value, f)
    if f.parser == "extract":
        return _extract(value, f)
    return value if f.sql_type == "VARCHAR" else f"try_cast({value} as {f.sql_type})"


def _expected(f: Field) -> str:
    if f.parser == "extract":
        return f"text matching {f.extract}"
    if f.parser in ("date", "yearmonth"):
        return f"a {f.parser} in format {' or '.join(f.formats)}"
    if f.parser == "number":
        return f"a number ({f.sql_type})"
    return f"a {f.sql_type}"


def failure_sql(text: str, f: Field, missing_values: tuple[str, ...]) -> str:
    """Return SQL giving the reason ``text`` could not be read as ``f`` (NULL when it was read or is missing).

    The reason names the column and the header, and quotes at most 80 characters of the value.
    """
    value = missing_sql(text, f.missing_values if f.missing_values is not None else missing_values)
    label = f"in column {f.name} ({f.header}): "
    return (
        f"case when {value} is not null and ({field_sql(text, f, missing_values)}) is null then "
        f"{sql_str(label)} || '''' || left({text}, 80) || ''' is not ' || {sql_str(_expected(f))} end"
    )
