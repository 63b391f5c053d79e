"""The SurveyJS expression subset, evaluated in Python without ``eval``.

What ``visibleIf``, ``enableIf``, ``requiredIf``, ``choicesVisibleIf`` and complete triggers may say:

- literals: numbers, ``'text'`` or ``"text"``, ``true``, ``false``, ``null``, lists ``['a', 'b']``;
- references: ``{question}``, ``{question.column}`` (a matrix row), and ``{item}`` inside
  ``choicesVisibleIf``;
- comparisons: ``=`` ``==`` ``equal``, ``!=`` ``<>`` ``notequal``, ``<`` ``less``, ``>`` ``greater``,
  ``<=`` ``lessorequal``, ``>=`` ``greaterorequal``;
- ``contains``, ``notcontains``, ``anyof``, ``allof``, and the postfix ``empty`` and ``notempty``;
- ``and`` ``&&``, ``or`` ``||``, ``not`` ``!``;
- arithmetic: ``+ - * / %`` and parentheses.

``parse`` turns a text into a tree once (at publish time, where a malformed text or an unknown
reference is an error); ``evaluate`` walks the tree against the answers. Evaluation never raises: a
missing answer is "empty", compares false, counts as 0 in arithmetic, and a division by zero is empty,
as in SurveyJS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any


class ExpressionError(ValueError):
    """A text that is not an expression of the subset; the message says where."""


# -- the tree -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Ref:
    name: str  # "q" or "q.column"; "item" inside choicesVisibleIf


@dataclass(frozen=True)
class ListNode:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Unary:
    op: str  # "not", "neg", "empty", "notempty"
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


Node = Literal | Ref | ListNode | Unary | Binary

# -- the tokens -----------------------------------------------------------------------------------------

_WORD_OPS = {
    "and": "and",
    "or": "or",
    "not": "not",
    "equal": "=",
    "notequal": "!=",
    "less": "<",
    "greater": ">",
    "lessorequal": "<=",
    "greaterorequal": ">=",
    "contains": "contains",
    "notcontains": "notcontains",
    "anyof": "anyof",
    "allof": "allof",
    "empty": "empty",
    "notempty": "notempty",
}
_SYMBOL_OPS = {
    "&&": "and",
    "||": "or",
    "==": "=",
    "!=": "!=",
    "<>": "!=",
    "<=": "<=",
    ">=": ">=",
    "=": "=",
    "<": "<",
    ">": ">",
    "!": "not",
    "+": "+",
    "-": "-",
    "*": "*",
    "/": "/",
    "%": "%",
    "(": "(",
    ")": ")",
    "[": "[",
    "]": "]",
    ",": ",",
}
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>\d+(?:\.\d+)?)
    | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | \{(?P<ref>[^{}]*)\}
    | (?P<word>[A-Za-z_][A-Za-z_0-9]*)
    | (?P<symbol>&&|\|\||==|!=|<>|<=|>=|[=<>!+\-*/%()\[\],])
    )""",
    re.VERBOSE,
)
_REF_NAME = re.compile(r"^[A-Za-z_0-9][\w\- ]*(?:\.[\w\- ]+)?$")
MAX_LENGTH = 2000


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, ref, op, literal, end
    value: Any
    at: int


def _tokens(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"unexpected '{text[position:].strip()[:10]}' at {position + 1}")
        at = match.start(match.lastgroup or 0) + 1
        if (number := match.group("number")) is not None:
            tokens.append(Token("number", Decimal(number), at))
        elif (string := match.group("string")) is not None:
            tokens.append(Token("string", re.sub(r"\\(.)", r"\1", string[1:-1]), at))
        elif (ref := match.group("ref")) is not None:
            name = ref.strip()
            if not _REF_NAME.match(name):
                raise ExpressionError(f"'{{{ref}}}' at {at} is not a question reference")
            tokens.append(Token("ref", name, at))
        elif (word := match.group("word")) is not None:
            lowered = word.lower()
            if lowered in _WORD_OPS:
                tokens.append(Token("op", _WORD_OPS[lowered], at))
            elif lowered in {"true", "false", "null", "undefined"}:
                tokens.append(Token("literal", {"true": True, "false": False}.get(lowered), at))
            else:
                raise ExpressionError(f"unknown word '{word}' at {at}")
        else:
            tokens.append(Token("op", _SYMBOL_OPS[match.group("symbol")], at))
        position = match.end()
    tokens.append(Token("end", None, len(text) + 1))
    return tokens


# -- the parser (precedence climbing) ------------------------------------------------------------------

_COMPARISONS = {"=", "!=", "<", ">", "<=", ">=", "contains", "notcontains", "anyof", "allof"}


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, op: str) -> None:
        token = self.take()
        if token.kind != "op" or token.value != op:
            raise ExpressionError(f"expected '{op}' at {token.at}")

    def is_op(self, *ops: str) -> bool:
        token = self.peek()
        return token.kind == "op" and token.value in ops

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise ExpressionError("the expression is empty")
        node = self.or_()
        if self.peek().kind != "end":
            raise ExpressionError(f"unexpected '{self.peek().value}' at {self.peek().at}")
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.is_op("or"):
            self.take()
            node = Binary("or", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.is_op("and"):
            self.take()
            node = Binary("and", node, self.not_())
        return node

    def not_(self) -> Node:
        if self.is_op("not"):
            self.take()
            return Unary("not", self.not_())
        return self.comparison()

    def comparison(self) -> Node:
        node = self.additive()
        if self.is_op("empty", "notempty"):
            return Unary(self.take().value, node)
        if self.is_op(*_COMPARISONS):
            op = self.take().value
            node = Binary(op, node, self.additive())
            if self.is_op(*_COMPARISONS):
                raise ExpressionError(f"chained comparison at {self.peek().at}: add parentheses")
        return node

    def additive(self) -> Node:
        node = self.multiplicative()
        while self.is_op("+", "-"):
            op = self.take().value
            node = Binary(op, node, self.multiplicative())
        return node

    def multiplicative(self) -> Node:
        node = self.unary()
        while self.is_op("*", "/", "%"):
            op = self.take().value
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.is_op("-"):
            self.take()
            return Unary("neg", self.unary())
        if self.is_op("not"):
            self.take()
            return Unary("not", self.unary())
        return self.primary()

    def primary(self) -> Node:
        token = self.take()
        if token.kind in {"number", "string", "literal"}:
            return Literal(token.value)
        if token.kind == "ref":
            return Ref(token.value)
        if token.kind == "op" and token.value == "(":
            node = self.or_()
            self.expect(")")
            return node
        if token.kind == "op" and token.value == "[":
            items: list[Node] = []
            if not self.is_op("]"):
                items.append(self.additive())
                while self.is_op(","):
                    self.take()
                    items.append(self.additive())
            self.expect("]")
            return ListNode(tuple(items))
        if token.kind == "end":
            raise ExpressionError("the expression ends too early")
        raise ExpressionError(f"unexpected '{token.value}' at {token.at}")


@lru_cache(maxsize=4096)
def parse(text: str) -> Node:
    """The tree of an expression, or ``ExpressionError`` saying what is wrong and where."""
    if not isinstance(text, str):
        raise ExpressionError("an expression is a text")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"an expression has at most {MAX_LENGTH} characters")
    return _Parser(text).parse()


def references(node: Node) -> set[str]:
    """Every ``{name}`` an expression reads, as written (``q`` or ``q.column``)."""
    if isinstance(node, Ref):
        return {node.name}
    if isinstance(node, ListNode):
        return set().union(*(references(item) for item in node.items))
    if isinstance(node, Unary):
        return references(node.operand)
    if isinstance(node, Binary):
        return references(node.left) | references(node.right)
    return set()


# -- evaluation -----------------------------------------------------------------------------------------


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list | dict | tuple) and len(value) == 0)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    if isinstance(value, str) and value.strip():
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


def _equal(left: Any, right: Any) -> bool:
    if _is_empty(left) and _is_empty(right):
        return True
    if isinstance(left, bool) or isinstance(right, bool):
        return _boolish(left) == _boolish(right) if {type(left), type(right)} <= {bool, str} else left == right
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        return a == b
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return sorted(map(str, left)) == sorted(map(str, right))
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    return bool(left == right)


def _boolish(value: Any) -> Any:
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    return value


def _order(op: str, left: Any, right: Any) -> bool:
    if _is_empty(left) or _is_empty(right):
        return False
    a, b = _number(left), _number(right)
    pair: tuple[Any, Any] = (a, b) if a is not None and b is not None else (str(left), str(right))
    if op == "<":
        return bool(pair[0] < pair[1])
    if op == ">":
        return bool(pair[0] > pair[1])
    if op == "<=":
        return bool(pair[0] <= pair[1])
    return bool(pair[0] >= pair[1])


def _as_list(value: Any) -> list[Any]:
    if _is_empty(value):
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _contains(container: Any, item: Any) -> bool:
    if _is_empty(container):
        return False
    if isinstance(container, str):
        return not _is_empty(item) and str(item).lower() in container.lower()
    if isinstance(container, dict):
        return str(item) in container
    return any(_equal(member, needle) for needle in _as_list(item) for member in _as_list(container))


def _arith(op: str, left: Any, right: Any) -> Any:
    if op == "+" and (
        (isinstance(left, str) and _number(left) is None) or (isinstance(right, str) and _number(right) is None)
    ):
        return f"{'' if left is None else left}{'' if right is None else right}"
    a, b = _number(left) or Decimal(0), _number(right) or Decimal(0)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        return None
    return a / b if op == "/" else a % b


def _lookup(name: str, values: Mapping[str, Any]) -> Any:
    if name in values:
        return values[name]
    head, _sep, column = name.partition(".")
    if column:
        row = values.get(head)
        if isinstance(row, dict):
            return row.get(column)
    return None


def evaluate(node: Node, values: Mapping[str, Any]) -> Any:
    """The value of a tree against the answers (question name -> answer)."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Ref):
        return _lookup(node.name, values)
    if isinstance(node, ListNode):
        return [evaluate(item, values) for item in node.items]
    if isinstance(node, Unary):
        operand = evaluate(node.operand, values)
        if node.op == "not":
            return not truthy(operand)
        if node.op == "neg":
            number = _number(operand)
            return None if number is None else -number
        return _is_empty(operand) if node.op == "empty" else not _is_empty(operand)
    if node.op == "and":
        return truthy(evaluate(node.left, values)) and truthy(evaluate(node.right, values))
    if node.op == "or":
        return truthy(evaluate(node.left, values)) or truthy(evaluate(node.right, values))
    left, right = evaluate(node.left, values), evaluate(node.right, values)
    if node.op == "=":
        return _equal(left, right)
    if node.op == "!=":
        return not _equal(left, right)
    if node.op in {"<", ">", "<=", ">="}:
        return _order(node.op, left, right)
    if node.op == "contains":
        return _contains(left, right)
    if node.op == "notcontains":
        return not _contains(left, right)
    if node.op == "anyof":
        return any(_contains(left, item) for item in _as_list(right))
    if node.op == "allof":
        wanted = _as_list(right)
        return bool(wanted) and all(_contains(left, item) for item in wanted)
    return _arith(node.op, left, right)


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() not in {"", "false"}
    if isinstance(value, Decimal):
        return value != 0
    return bool(value)


def check(text: str, values: Mapping[str, Any]) -> bool:
    """An expression's truth against the answers (a text that no longer parses is false)."""
    try:
        return truthy(evaluate(parse(text), values))
    except ExpressionError:
        return False
