"""SQLite SQL (saved filters, views, analysts' queries) for Spark SQL, via sqlglot, without silent
changes of result.

sqlglot translates the syntax (SQLite's multi-argument ``max``/``min`` become ``greatest``/``least``,
``:name`` parameters stay markers Spark binds). Three differences it leaves would change results
without an error; they are rewritten here to SQLite's meaning, or the query is refused:

- ``LIKE``: SQLite folds ASCII case only and has no escape character; Spark is case-sensitive and
  treats ``\\`` as an escape. Rewritten to ``translate(x, 'A..Z', 'a..z') like translate(p, …)
  escape '\\u0001'`` — exactly SQLite's rule for every pattern without U+0001 (bound patterns are
  checked, see ``check_params``).
- multi-argument ``max(a, b)``/``min(a, b)``: NULL if any argument is NULL in SQLite; Spark's
  ``greatest``/``least`` skip NULLs. Rewritten to ``case when a is null or b is null then null else
  greatest(a, b) end``.
- NaN: SQLite has none (a NaN result is NULL, and stored NaN reads back NULL); Spark keeps NaN and
  orders it above every number. The exported tables hold no NaN (they come from SQLite) and
  ``spark features`` writes NULL where the kernel gives NaN, so NaN can only come from an
  expression: functions that give NaN in Spark where SQLite gives NULL are refused, and so is ``/``
  (SQLite divides integers as integers, Spark never does), unless one side is a real literal or a
  cast to a floating type.
- ``glob``, ``printf`` and SQLite-only date functions are refused rather than guessed.
"""

import sqlglot
from sqlglot import exp

from minibroker.core.errors import UserError

ESCAPE = "\u0001"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = _UPPER.lower()

_REFUSED = {
    exp.Sqrt: "sqrt() gives NaN for negative input on Spark, NULL on SQLite",
    exp.Pow: "pow() gives NaN on Spark where SQLite gives NULL",
    exp.Acos: "acos() gives NaN out of [-1, 1] on Spark, NULL on SQLite",
    exp.Asin: "asin() gives NaN out of [-1, 1] on Spark, NULL on SQLite",
    exp.Glob: "glob has no Spark equivalent",
}
_REFUSED_NAMES = {"printf", "format", "strftime", "julianday", "datetime", "date", "time", "unixepoch",
                  "acosh", "atanh", "iif", "json_each", "json_tree"}  # SQLite's JSON table functions
_FLOAT_TYPES = {exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT, exp.DataType.Type.DECIMAL}


class Untranslatable(UserError):
    """The query uses something whose Spark meaning differs from SQLite's."""


def _is_float(node: exp.Expression) -> bool:
    if isinstance(node, exp.Literal) and not node.is_string:
        return any(ch in node.this for ch in ".eE")
    if isinstance(node, exp.Cast):
        return node.to.this in _FLOAT_TYPES
    if isinstance(node, exp.Paren):
        return _is_float(node.this)
    if isinstance(node, (exp.Mul, exp.Add, exp.Sub)):  # a real operand makes the result real in SQLite
        return _is_float(node.this) or _is_float(node.expression)
    return False


def _ascii_lower(node: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this="translate", expressions=[node, exp.Literal.string(_UPPER), exp.Literal.string(_LOWER)])


def _null_if_any_null(node: exp.Expression) -> exp.Expression:
    args = [node.this, *node.expressions]
    if len(args) < 2:
        return node
    any_null = exp.or_(*(exp.Is(this=a.copy(), expression=exp.Null()) for a in args))
    return exp.Case(ifs=[exp.If(this=any_null, true=exp.Null())], default=node)


def _rewrite(node: exp.Expression) -> exp.Expression:
    for kind, why in _REFUSED.items():
        if isinstance(node, kind):
            raise Untranslatable(why)
    if isinstance(node, exp.Anonymous) and str(node.this).lower() in _REFUSED_NAMES:
        raise Untranslatable(f"{node.this}() is SQLite-only or differs on Spark")
    if isinstance(node, exp.Func) and type(node).__name__.lower() in _REFUSED_NAMES:
        raise Untranslatable(f"{type(node).__name__.lower()}() is SQLite-only or differs on Spark")
    if isinstance(node, exp.Div) and not (_is_float(node.this) or _is_float(node.expression)):
        raise Untranslatable("'/' divides integers as integers on SQLite but not on Spark: "
                             "make one side real (1.0 * x, cast(x as real))")
    if isinstance(node, exp.ILike):
        raise Untranslatable("ilike is not SQLite")
    if isinstance(node, exp.Like):
        if node.args.get("escape") is not None:
            raise Untranslatable("LIKE … ESCAPE is not supported on the Spark path")
        like = exp.Like(this=_ascii_lower(node.this.copy()), expression=_ascii_lower(node.expression.copy()))
        return exp.Escape(this=like, expression=exp.Literal.string(ESCAPE))
    if isinstance(node, (exp.Greatest, exp.Least)):
        return _null_if_any_null(node)
    return node


def to_spark(sql: str) -> list[str]:
    """The statements of a SQLite text as Spark SQL, with the rewrites above; raises Untranslatable."""
    try:
        trees = [t for t in sqlglot.parse(sql, read="sqlite") if t is not None]
    except sqlglot.errors.ParseError as exc:
        raise Untranslatable(f"cannot parse: {str(exc).splitlines()[0]}") from None
    out = []
    for tree in trees:
        tree = tree.transform(_rewrite, copy=True)
        out.append(tree.sql(dialect="spark"))
    return out


def check_params(params: dict) -> None:
    for key, value in params.items():
        if isinstance(value, str) and ESCAPE in value:
            raise Untranslatable(f"parameter {key} holds U+0001, which the Spark LIKE rewrite reserves")
