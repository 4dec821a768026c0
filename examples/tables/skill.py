"""tables: CSV data for agents - summarize columns, filter and sort rows, convert to Markdown, JSON and back.

A Python skill (skill_sdk, built with componentize-py). Pure computation on the text it is
given: no configuration, no files, no network.
"""

from __future__ import annotations

import csv as csvlib  # `csv` is what the tools call their CSV text
import io
import json
import re
import statistics
from collections import Counter
from typing import Any, Literal

from skill_sdk import Skill, ToolError, ok

skill = Skill(
    "tables",
    version="1.0.0",
    description="CSV data - column summaries, filtering and sorting, Markdown tables, JSON records and back",
    author="skill-tui examples",
)

DELIMITERS = ",;\t|"
CONDITION = re.compile(r"^\s*([^<>=!~]+?)\s*(>=|<=|!=|=|>|<|~)\s*(.*?)\s*$")


def _rows(text: str, delimiter: str | None) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of CSV text; the delimiter is sniffed unless given."""
    if not text.strip():
        raise ToolError("csv is empty")
    if delimiter is None:
        try:
            delimiter = csvlib.Sniffer().sniff(text[:4096], delimiters=DELIMITERS).delimiter
        except csvlib.Error:
            delimiter = ","
    table = [row for row in csvlib.reader(io.StringIO(text.strip()), delimiter=delimiter) if row]
    header, rows = table[0], table[1:]
    width = len(header)
    for i, row in enumerate(rows, start=2):
        if len(row) != width:
            raise ToolError(f"line {i} has {len(row)} fields, the header has {width}")
    return header, rows


def _number(value: str) -> int | float | None:
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return None


def _kind(values: list[str]) -> str:
    filled = [v for v in values if v != ""]
    if not filled:
        return "empty"
    numbers = [_number(v) for v in filled]
    if all(isinstance(n, int) for n in numbers):
        return "integer"
    if all(n is not None for n in numbers):
        return "number"
    if all(v.lower() in ("true", "false", "yes", "no") for v in filled):
        return "boolean"
    return "text"


def _fmt(x: float) -> str:
    return f"{x:.10g}" if isinstance(x, int) or x == int(x) else f"{x:.4g}"


@skill.tool
def summarize(csv: str, delimiter: str | None = None, top: int = 3) -> Any:
    """Describe each column of a CSV table: its type, empty cells, distinct values, and min, max,
    mean and median for numbers or the most common values for text.

    Args:
        csv: The CSV text, with a header row.
        delimiter: The field separator; sniffed from , ; tab | when not given.
        top: How many most common values to list for a text column.
    """
    header, rows = _rows(csv, delimiter)
    lines = [f"{len(rows)} rows, {len(header)} columns"]
    columns = []
    for i, name in enumerate(header):
        values = [row[i] for row in rows]
        kind = _kind(values)
        filled = [v for v in values if v != ""]
        info: dict[str, Any] = {"name": name, "type": kind, "empty": len(values) - len(filled)}
        info["distinct"] = len(set(filled))
        if kind in ("integer", "number"):
            nums = [_number(v) or 0 for v in filled]
            info.update(min=min(nums), max=max(nums), mean=statistics.fmean(nums), median=statistics.median(nums))
            detail = ", ".join(f"{k} {_fmt(info[k])}" for k in ("min", "max", "mean", "median"))
        else:
            common = Counter(filled).most_common(max(top, 0))
            info["top"] = [[value, count] for value, count in common]
            repeated = common and common[0][1] > 1  # all values distinct: no "most common" to speak of
            detail = f"{info['distinct']} distinct" + (
                f"; most common: {', '.join(f'{v} ({c})' for v, c in common)}" if repeated else ""
            )
        empty = f", {info['empty']} empty" if info["empty"] else ""
        lines.append(f"{name}: {kind}{empty}; {detail}")
        columns.append(info)
    return ok("\n".join(lines), {"rows": len(rows), "columns": columns})


def _markdown(header: list[str], rows: list[list[str]]) -> str:
    numeric = [_kind([row[i] for row in rows]) in ("integer", "number") for i in range(len(header))]

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(cell(h) for h in header) + " |"]
    out.append("|" + "|".join("---:" if n else "---" for n in numeric) + "|")
    out.extend("| " + " | ".join(cell(v) for v in row) + " |" for row in rows)
    return "\n".join(out)


@skill.tool
def to_markdown(csv: str, delimiter: str | None = None, max_rows: int = 50) -> str:
    """Render a CSV table as a Markdown table (numeric columns right-aligned).

    Args:
        csv: The CSV text, with a header row.
        delimiter: The field separator; sniffed when not given.
        max_rows: Show at most this many rows (0 = all); a last line says how many were left out.
    """
    header, rows = _rows(csv, delimiter)
    shown = rows if max_rows <= 0 else rows[:max_rows]
    table = _markdown(header, shown)
    left = len(rows) - len(shown)
    return table + (f"\n\n({left} more row{'s' if left != 1 else ''})" if left else "")


def _typed(value: str) -> Any:
    number = _number(value)
    if number is not None:
        return number
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None if value == "" else value


@skill.tool
def to_json(csv: str, delimiter: str | None = None, typed: bool = True) -> Any:
    """Turn a CSV table into a JSON list of records, one object per row.

    Args:
        csv: The CSV text, with a header row.
        delimiter: The field separator; sniffed when not given.
        typed: Numbers and true/false become JSON numbers and booleans, empty cells null.
    """
    header, rows = _rows(csv, delimiter)
    records = [{h: (_typed(v) if typed else v) for h, v in zip(header, row, strict=True)} for row in rows]
    return ok(json.dumps(records, ensure_ascii=False), records)


@skill.tool
def to_csv(records: list[dict[str, Any]], delimiter: str = ",") -> str:
    """Turn a JSON list of records into CSV; the header is every key, in the order first seen.

    Args:
        records: The rows, as objects of column -> value.
        delimiter: The field separator.
    """
    header: list[str] = []
    for record in records:
        header.extend(k for k in record if k not in header)
    out = io.StringIO()
    writer = csvlib.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    for record in records:
        writer.writerow(["" if record.get(k) is None else _cell(record.get(k)) for k in header])
    return out.getvalue().rstrip("\n")


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _matches(cell: str, op: str, wanted: str) -> bool:
    if op == "~":
        return wanted.lower() in cell.lower()
    a, b = _number(cell), _number(wanted)
    left, right = (a, b) if a is not None and b is not None else (cell, wanted)
    return {
        "=": left == right,
        "!=": left != right,
        ">": left > right,
        "<": left < right,
        ">=": left >= right,
        "<=": left <= right,
    }[op]


@skill.tool
def query(
    csv: str,
    where: list[str] | None = None,
    columns: list[str] | None = None,
    sort_by: str | None = None,
    descending: bool = False,
    limit: int = 0,
    format: Literal["csv", "markdown", "json"] = "csv",
    delimiter: str | None = None,
) -> Any:
    """Filter, sort and pick columns of a CSV table.

    Args:
        csv: The CSV text, with a header row.
        where: Conditions that must all hold, like "age>=30", "city=Oslo", "name~ad" (contains,
            any case); numbers compare as numbers.
        columns: The columns to keep, in this order (default: all).
        sort_by: The column to sort by (numbers as numbers).
        descending: Sort from the largest.
        limit: Keep at most this many rows (0 = all).
        format: What to answer with: csv, markdown or json.
        delimiter: The field separator of the input; sniffed when not given.
    """
    header, rows = _rows(csv, delimiter)
    index = {name: i for i, name in enumerate(header)}

    def column(name: str, what: str) -> int:
        if name not in index:
            raise ToolError(f"{what}: no column {name!r}; the columns are: {', '.join(header)}")
        return index[name]

    for condition in where or []:
        m = CONDITION.match(condition)
        if not m:
            raise ToolError(f"where: cannot read {condition!r}; write column, one of = != > < >= <= ~, value")
        i, op, wanted = column(m.group(1), "where"), m.group(2), m.group(3)
        rows = [row for row in rows if _matches(row[i], op, wanted)]
    if sort_by is not None:
        i = column(sort_by, "sort_by")
        numeric = all(_number(row[i]) is not None for row in rows)
        rows.sort(key=lambda row: _number(row[i]) if numeric else row[i].lower(), reverse=descending)
    if limit > 0:
        rows = rows[:limit]
    keep = [column(c, "columns") for c in columns] if columns else list(range(len(header)))
    header = [header[i] for i in keep]
    rows = [[row[i] for i in keep] for row in rows]
    if format == "markdown":
        return ok(_markdown(header, rows), {"rows": len(rows)})
    if format == "json":
        records = [{h: _typed(v) for h, v in zip(header, row, strict=True)} for row in rows]
        return ok(json.dumps(records, ensure_ascii=False), records)
    out = io.StringIO()
    csv_writer = csvlib.writer(out, lineterminator="\n")
    csv_writer.writerows([header, *rows])
    return ok(out.getvalue().rstrip("\n"), {"rows": len(rows)})
