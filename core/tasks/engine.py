"""Where a task runs: this process (``local``) or a Ray cluster, and the options only the local engine has."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.distributed.engine import EngineParams
from core.errors import ParameterError
from core.schema import check_fields

#: what a task may be given that only the local engine does, and the command line's name for it
LOCAL_ONLY = {"interactions": "--interactions", "hash_ids": "--hash-ids", "levels": "--levels 2",
              "database": "a database URL as input", "to_sql": "--to-sql"}


@dataclass(frozen=True)
class Engine:
    """The engine a task runs on: ``params`` (local | ray, Ray's fitting sample) and, on Ray, the cluster's
    ``address`` (None: start Ray on this machine for the task) and ``num_cpus`` when started here."""

    params: EngineParams = field(default_factory=EngineParams)
    address: str | None = None
    num_cpus: int | None = None

    @property
    def local(self) -> bool:
        return self.params.engine == "local"

    def check(self, **given: object) -> Engine:
        """Validate the parameters and, off the local engine, refuse in one sentence every option in ``given``
        (names of :data:`LOCAL_ONLY`) that is set."""
        check_fields(self.params)
        stray = [LOCAL_ONLY[name] for name, value in given.items() if value] if not self.local else []
        if stray:
            verb, them = ("works", "it") if len(stray) == 1 else ("work", "them")
            raise ParameterError(f"{', '.join(stray)} {verb} with --engine local only; leave {them} out with "
                                 f"--engine {self.params.engine}.")
        return self


LOCAL = Engine()
