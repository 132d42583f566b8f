"""A registry that plugins add to: the object registration hooks receive.

Registration hooks get a registry to call (tox's ``register.add_run_env``)
rather than returning lists, so that a clash is reported with both names
at the moment it happens, and a host can deliberately replace a built-in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from antidrug_core.model import InvalidInput

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Named items of one kind (indicator definitions, templates, renderers …)."""

    def __init__(self, kind: str, key: Callable[[T], str]) -> None:
        self.kind = kind
        self._key = key
        self._items: dict[str, T] = {}

    def add(self, item: T, *, replace: bool = False) -> None:
        """Register ``item``.

        Args:
            item: What to register.
            replace: Allow replacing an item already registered under the same
                name (a host overriding a built-in does this on purpose).

        Raises:
            InvalidInput: the name is taken and ``replace`` is False.
        """
        name = self._key(item)
        if name in self._items and not replace:
            raise InvalidInput.of(
                self.kind, f"{name!r} is already registered; pass replace=True to override it"
            )
        self._items[name] = item

    def get(self, name: str) -> T:
        """The item registered as ``name``.

        Raises:
            InvalidInput: nothing is registered under that name.
        """
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise InvalidInput.of(self.kind, f"no {self.kind} named {name!r} (known: {known})") from None

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def names(self) -> list[str]:
        """The registered names, in registration order."""
        return list(self._items)
