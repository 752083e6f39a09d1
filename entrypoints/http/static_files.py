"""Static files served only from inside their folder (docs/api.md "Conventions").

Litestar's static files router keeps `..` inside the folder but follows a symbolic link out of
it, and answers 500 to a name the operating system refuses (a NUL byte, a name over NAME_MAX or
PATH_MAX). Its `file_system` option is where a router reads files, so the rule lives there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.file_system import BaseLocalFileSystem
from litestar.static_files import create_static_files_router
from litestar.types import PathType
from litestar.types.file_types import FileInfo


class ContainedFileSystem(BaseLocalFileSystem):
    """The local file system as seen from inside `root`: anything whose real path (symbolic
    links followed) leaves `root`, or that the OS cannot even look up, does not exist.

    Litestar 2 has no option for this (3.0 adds `allow_symlinks_outside_directory=False`).
    """

    def __init__(self, root: PathType) -> None:
        self._root = Path(root).resolve()

    async def info(self, path: PathType, **kwargs: Any) -> FileInfo:
        try:
            real = Path(await anyio.Path(path).resolve())
            if not real.is_relative_to(self._root):
                raise FileNotFoundError(path)
            return await super().info(real, **kwargs)
        except (OSError, ValueError) as refused:  # ValueError: a NUL byte in the name
            # Litestar answers 404 to FileNotFoundError, 500 to any other OSError.
            raise FileNotFoundError(path) from refused


def contained_static_files_router(
    path: str, directory: PathType, name: str, cache_control: CacheControlHeader | None = None
) -> Router:
    """Litestar's static files router over `directory`, serving nothing from outside it."""
    return create_static_files_router(
        path=path,
        directories=[directory],
        file_system=ContainedFileSystem(directory),
        name=name,
        cache_control=cache_control,
    )
