"""One small registry type for everything a higher app hands to a lower one.

Imports run one way (see ``core/__init__.py``), so a lower app never imports a higher one. When a
lower app must reach something a higher app owns (the console menu, the privacy categories, the reward
sources, the demo seeders), it declares a ``Registry`` and the higher app registers with it from its
``AppConfig.ready()``.

Entries are kept in registration order and known by a key. Registering the same entry twice is a no-op
(``ready()`` can run more than once in tests); registering another entry under a key that is taken is a
programming error, unless the registry was made with ``replace=True``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


def _identity(item: object) -> Hashable:
    return item


class Registry(Generic[T]):
    def __init__(self, name: str, *, key: Callable[[T], Hashable] = _identity, replace: bool = False) -> None:
        self.name = name
        self._key = key
        self._replace = replace
        self._items: dict[Hashable, T] = {}

    def register(self, item: T) -> T:
        key = self._key(item)
        existing = self._items.get(key)
        if existing is not None and existing != item and not self._replace:
            raise ValueError(f"{self.name}: '{key}' is registered twice.")
        self._items[key] = item
        return item

    def unregister(self, key: Hashable) -> None:
        self._items.pop(key, None)

    def get(self, key: Hashable) -> T:
        try:
            return self._items[key]
        except KeyError:
            raise KeyError(f"{self.name}: nothing is registered as '{key}'.") from None

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._items.values()))

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {len(self)} entries>"
