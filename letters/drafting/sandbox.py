"""The template sandbox: council staff edit templates, so a template is treated as untrusted.

Four walls, each enough on its own for the holes it closes:

1. The context holds plain data only (`plain`): str, int, float, bool, None, dates, Markup,
   and lists and dicts of them. No library object with methods ever reaches a template.
2. `StrictSandbox` refuses every attribute and call that is not on a short allow-list: a few
   str and dict methods, the loop helpers, macros, `super()`, `range`, `dict`, `namespace`.
3. `FolderLoader` reads templates only from the built-in folder and the council's folder,
   refuses `..`, absolute names and symlinks that leave the folder, and reads UTF-8 only.
4. `run_with_budget` renders a council's templates in a child process with a time and a
   memory budget, so a runaway loop or a gigabyte string stops with a clear error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import signal
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import jinja2
from jinja2.environment import TemplateModule
from jinja2.runtime import BlockReference, LoopContext, Macro, TemplateReference
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import Joiner, Namespace
from markupsafe import Markup
from pydantic import BaseModel

from ..errors import InvalidFileError, TemplateProblem
from ..textio import read_bytes

MAX_TEMPLATE_BYTES = 1_000_000
MAX_OUTPUT_CHARS = 1_000_000  # spaCy's own limit; no letter comes near it
MAX_REPEAT = 100_000  # the longest string or list `*` may build
MAX_POWER = 10_000  # the largest number `**` may build, in digits
BUDGET_SECONDS = 8  # CPU seconds; the child is stopped well within the 10 s the issue allows
BUDGET_MEGABYTES = 512

_STR_METHODS = frozenset(
    {
        "capitalize", "count", "endswith", "isalpha", "isdigit", "islower", "isupper",
        "lower", "lstrip", "replace", "rstrip", "split", "splitlines", "startswith",
        "strip", "title", "upper",
    }
)  # fmt: skip
_DICT_METHODS = frozenset({"get", "items", "keys", "values"})
_DATE_ATTRIBUTES = frozenset({"year", "month", "day"})
_LOOP_ATTRIBUTES = frozenset(
    {
        "index", "index0", "revindex", "revindex0", "first", "last", "length", "depth",
        "depth0", "previtem", "nextitem", "cycle", "changed",
    }
)  # fmt: skip


def plain(value: Any, where: str = "context") -> Any:
    """Return `value` as plain template data, or raise `TypeError` naming what is not plain.

    Pydantic models and dataclasses become dicts, tuples and sets become lists, paths become
    strings. Anything else with methods (a function, a class, a module) is refused.
    """
    if isinstance(value, Markup) or value is None or type(value) in (str, bool, int, float):
        return value
    if type(value) in (dt.date, dt.datetime):
        return value
    if isinstance(value, str):  # an enum or other str subclass: keep only the text
        return "".join((value,))
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, BaseModel):
        return plain(value.model_dump(), where)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return plain({f.name: getattr(value, f.name) for f in fields}, where)
    if isinstance(value, Mapping):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: key {key!r} is not text")
            result["".join((key,))] = plain(item, f"{where}.{key}")
        return result
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(item, f"{where}[{index}]") for index, item in enumerate(value)]
    raise TypeError(f"{where}: {type(value).__name__} is not plain data for a template")


def _refused(what: str) -> jinja2.exceptions.SecurityError:
    return jinja2.exceptions.SecurityError(f"{what} is not allowed in a template")


class StrictSandbox(SandboxedEnvironment):
    """jinja2's sandbox with an allow-list in place of its deny-list."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # lipsum and cycler are not needed by letters; fewer globals, fewer surprises.
        self.globals = {
            "range": self.globals["range"],
            "dict": self.globals["dict"],
            "namespace": self.globals["namespace"],
            "joiner": self.globals["joiner"],
        }

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, str):
            return attr in _STR_METHODS
        if isinstance(obj, dict):
            return attr in _DICT_METHODS
        if isinstance(obj, dt.date):
            return attr in _DATE_ATTRIBUTES
        if isinstance(obj, LoopContext):
            return attr in _LOOP_ATTRIBUTES
        if isinstance(obj, Namespace):
            return True  # a namespace's attributes are the values the template set
        if isinstance(obj, TemplateReference):
            return isinstance(value, BlockReference)
        if isinstance(obj, TemplateModule):  # {% import "x" as x %}: its macros
            return isinstance(value, Macro) or _is_plain(value)
        return False

    def wrap_str_format(self, value: Any) -> None:
        # jinja2 turns str.format into a guarded formatter; here it is simply not allowed.
        return None

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        # Refuse at once, rather than hand back a value that fails only if it is printed.
        raise jinja2.exceptions.SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe."
        )

    def getattr(self, obj: Any, attribute: str) -> Any:
        # `permanence.values` means the key, not dict.values, when there is such a key.
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def call(
        __self,  # jinja2's own signature, so `self` can be a keyword argument
        __context: jinja2.runtime.Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if isinstance(__obj, jinja2.Undefined):
            __obj()  # raises the undefined value's own error: "'dict object' has no attribute …"
        if not _callable_here(__self, __obj):
            name = getattr(__obj, "__name__", type(__obj).__name__)
            owner = getattr(__obj, "__self__", None)
            if owner is not None and not isinstance(owner, type(sys)):
                raise _refused(f"calling {name} on {type(owner).__name__}")
            raise _refused(f"calling {name}")
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        if operator == "*":
            for sized, times in ((left, right), (right, left)):
                repeats = isinstance(sized, (str, list)) and isinstance(times, int)
                if repeats and len(sized) * times > MAX_REPEAT:
                    raise _refused(f"a string or list longer than {MAX_REPEAT:,} characters")
        power = operator == "**" and isinstance(left, int) and isinstance(right, int)
        if power and abs(left) > 1 and right * len(str(abs(left))) > MAX_POWER:
            raise _refused(f"a number of more than {MAX_POWER:,} digits")
        return super().call_binop(context, operator, left, right)


def _is_plain(value: Any) -> bool:
    try:
        plain(value)
    except TypeError:
        return False
    return True


def _callable_here(env: StrictSandbox, obj: Any) -> bool:
    if isinstance(obj, (Macro, BlockReference, Joiner, LoopContext)):
        return True
    if any(obj is g for g in env.globals.values()):
        return True
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if isinstance(owner, str):
        return name in _STR_METHODS
    if isinstance(owner, dict):
        return name in _DICT_METHODS
    if isinstance(owner, LoopContext):
        return name in {"cycle", "changed"}
    return False


class FolderLoader(jinja2.BaseLoader):
    """Load templates from folders in order, never from outside them."""

    def __init__(self, folders: Sequence[Path]) -> None:
        self.folders = [Path(folder) for folder in folders]

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        if template.startswith(("/", "\\")) or "\\" in template or "\0" in template:
            raise jinja2.TemplateNotFound(
                template, f"template name {template!r} must be a file name inside the folder"
            )
        pieces = jinja2.loaders.split_template_path(template)  # refuses ".."
        for folder in self.folders:
            candidate = folder.joinpath(*pieces)
            if not os.path.lexists(candidate):
                continue
            root = folder.resolve()
            real = candidate.resolve()
            if not real.is_relative_to(root):
                raise TemplateProblem(
                    f"template {template} in {folder} is a link to a file outside that folder; "
                    "copy the file into the folder instead"
                )
            return _read_template(real, template), str(real), _unchanged(real)
        raise jinja2.TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        for folder in self.folders:
            if folder.is_dir():
                names |= {p.name for p in folder.iterdir() if p.is_file()}
        return sorted(names)


def _read_template(path: Path, name: str) -> str:
    try:
        raw = read_bytes(path, "template", MAX_TEMPLATE_BYTES)
    except InvalidFileError as exc:
        reason = "; ".join(problem.message for problem in exc.problems)
        raise TemplateProblem(f"template {name} ({path}) {reason}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateProblem(
            f"template {name} ({path}) is not UTF-8 text (byte {exc.start + 1}); "
            "save it as UTF-8 in your editor"
        ) from None


def _unchanged(path: Path) -> Callable[[], bool]:
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = -1

    def uptodate() -> bool:
        try:
            return path.stat().st_mtime_ns == stamp
        except OSError:
            return False

    return uptodate


def check_output(name: str, text: str) -> str:
    """Refuse a rendered document too long to be a letter."""
    if len(text) > MAX_OUTPUT_CHARS:
        raise TemplateProblem(
            f"template {name} produced more than {MAX_OUTPUT_CHARS:,} characters; "
            "check it for a loop that repeats text"
        )
    return text


def run_with_budget(
    jobs: Iterable[tuple[str, Callable[[], str]]],
    seconds: int | None = None,
    megabytes: int | None = None,
) -> list[str]:
    """Run each (template name, render) job in a child process under a time and memory budget.

    Returns the texts in order. A job that raises `TemplateProblem` is reported as it is; a job
    that runs out of time or memory is reported naming its template. Where the system cannot
    fork (Windows), the jobs run here, guarded by the sandbox's own limits only.
    """
    jobs = list(jobs)
    seconds = BUDGET_SECONDS if seconds is None else seconds
    megabytes = BUDGET_MEGABYTES if megabytes is None else megabytes
    if not hasattr(os, "fork"):
        return [check_output(name, job()) for name, job in jobs]
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads: we exec nothing
        pid = os.fork()
    if pid == 0:  # the child: render, write one JSON line per event, and leave at once
        os.close(read_end)
        _child(write_end, jobs, seconds, megabytes)
    os.close(write_end)
    lines = _read_all(read_end).splitlines()
    _, status = os.waitpid(pid, 0)
    return _collect(lines, status, len(jobs), seconds, megabytes)


def _child(
    out: int, jobs: list[tuple[str, Callable[[], str]]], seconds: int, megabytes: int
) -> NoReturn:
    code = 0
    current = "the template"
    try:
        _limit(seconds, megabytes)
        for current, job in jobs:
            _send(out, {"start": current})
            _send(out, {"text": check_output(current, job())})
    except TemplateProblem as exc:
        _send(out, {"problem": str(exc)})
    except MemoryError:
        _send(out, {"memory": current})
    except RecursionError:
        _send(out, {"problem": f"template {current} calls itself too deeply"})
    except BaseException as exc:  # the child must never return into the caller
        try:
            _send(out, {"problem": f"template {current}: {exc}"})
        except BaseException:
            code = 70
    finally:
        os._exit(code)


def _limit(seconds: int, megabytes: int) -> None:
    import resource  # POSIX only, like fork; imported here so the module loads on Windows

    for name in ("SIGALRM", "SIGXCPU"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # A forked child starts with no CPU time used, so the budget counts from here.
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    if hard == resource.RLIM_INFINITY or hard > seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    signal.alarm(seconds + 1)  # wall-clock too, for a template that waits rather than works
    size = _address_space()
    if size is not None:
        limit = size + megabytes * 1024 * 1024
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if hard == resource.RLIM_INFINITY or limit < hard:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _address_space() -> int | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None  # not Linux: the time budget still holds
    return pages * os.sysconf("SC_PAGE_SIZE")


def _send(out: int, message: dict[str, str]) -> None:
    data = (json.dumps(message) + "\n").encode("utf-8")
    while data:
        data = data[os.write(out, data) :]


def _read_all(handle: int) -> str:
    chunks = []
    with os.fdopen(handle, "rb") as stream:
        while chunk := stream.read(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def _collect(
    lines: list[str], status: int, expected: int, seconds: int, megabytes: int
) -> list[str]:
    texts: list[str] = []
    current = "the template"
    for line in lines:
        message = json.loads(line)
        if "start" in message:
            current = message["start"]
        elif "text" in message:
            texts.append(message["text"])
        elif "problem" in message:
            raise TemplateProblem(message["problem"])
        elif "memory" in message:
            raise _memory(current, megabytes)
    if os.WIFSIGNALED(status):
        if os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGALRM, signal.SIGKILL):
            raise TemplateProblem(
                f"template {current} took longer than {seconds} seconds and was stopped; "
                "check it for a loop that never ends"
            )
        raise _memory(current, megabytes)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) != 0:
        raise TemplateProblem(f"template {current} could not be rendered (it stopped unexpectedly)")
    if len(texts) != expected:
        raise TemplateProblem(f"template {current} could not be rendered (it stopped unexpectedly)")
    return texts


def _memory(name: str, megabytes: int) -> TemplateProblem:
    return TemplateProblem(
        f"template {name} needed more than {megabytes} MB of memory and was stopped; "
        "check it for a loop that builds a very long text"
    )
