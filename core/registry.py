"""The plugin registry: loads built-in and third-party plugins and builds their stages.

Plugins are loaded in this order: the built-in plugins listed in
``sonitus.plugins.BUILTIN_PLUGINS``, then the entry points of the group ``sonitus``.
One broken plugin never breaks the others: its error is kept, listed by
``sonitus plugins``, and raised as :class:`~sonitus.errors.PluginError` only when one of
its stages is asked for.

Environment variables:

``SONITUS_LOAD_PLUGINS``
    Unset: load every installed plugin. Empty: built-ins only. ``a,b``: built-ins plus
    the named third-party plugins.
``SONITUS_DISABLE_PLUGINS``
    ``a,b``: skip these plugins (built-in ones may be named by module or short name).
``SONITUS_TRACE``
    Set to ``1`` to print every hook call and registration to stderr.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import inspect
import os
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pluggy

from . import hookspecs
from .datasets import missing_members
from .errors import ParameterError, PluginError, SonitusError, UnknownStageError
from .hookspecs import DATASETS, STAGE_KINDS, HookKind
from .pipeline import StageBase, as_stage
from .stage_types import as_tuple, type_name, types_fit
from .version import __version__

__all__ = ["Registry", "StageSpec", "ModelSpec", "PluginRecord", "STAGE_HOOKS", "get_registry", "set_registry",
           "reset_registry"]

ENTRY_POINT_GROUP = "sonitus"
#: the package whose modules are the built-in plugins (it lists them in ``BUILTIN_PLUGINS``)
BUILTIN_PACKAGE = "sonitus.plugins"


#: every hook that registers something, in the order they are collected
STAGE_HOOKS: tuple[HookKind, ...] = (*STAGE_KINDS, DATASETS)


@dataclass(frozen=True)
class StageSpec:
    """A registered stage: how to build it and what it fits."""

    name: str
    kind: str
    plugin: str
    factory: Callable[..., Any]
    consumes: Any
    produces: Any
    description: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)
    #: the StageBase subclass that states the stage's name and types (None: a plain function's)
    stage_class: type | None = None

    @property
    def signature(self) -> str:
        """``Audio -> Features`` style summary."""
        return f"{type_name(self.consumes)} -> {type_name(self.produces)}"

    def options(self) -> dict[str, Any]:
        """The factory's keyword options and their defaults (``inspect.Parameter.empty``: required)."""
        try:
            params = inspect.signature(self.factory).parameters.values()
        except (TypeError, ValueError):
            return {}
        return {p.name: p.default for p in params
                if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}


@dataclass(frozen=True)
class ModelSpec:
    """A model a stage loads by name (``stage(model=name)``) and how to find it."""

    name: str
    stage: str
    plugin: str
    description: str
    locate: Callable[[], Any]
    default: bool = False

    def where(self) -> tuple[str | None, str | None]:
        """``(path, None)`` where the model is, or ``(None, why it cannot be used)``."""
        try:
            return str(self.locate()), None
        except SonitusError as exc:
            return None, str(exc)

    def to_dict(self) -> dict[str, Any]:
        path, problem = self.where()
        return {"name": self.name, "stage": self.stage, "plugin": self.plugin, "default": self.default,
                "description": self.description, "available": path is not None, "path": path,
                "problem": problem}


@dataclass
class PluginRecord:
    """One plugin as ``sonitus plugins`` shows it."""

    name: str
    version: str | None
    source: str  # "builtin", "entrypoint" or "registered"
    hooks: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    error: str | None = None
    #: what was left out while the rest loaded (a stage whose name another plugin has)
    warnings: list[str] = field(default_factory=list)
    #: stages of other plugins this one builds by name (its module's ``REQUIRES``)
    requires: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "source": self.source,
                "hooks": list(self.hooks), "stages": list(self.stages), "requires": list(self.requires),
                "error": self.error, "warnings": list(self.warnings)}


def _normal(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def _env_list(value: str | None) -> set[str] | None:
    if value is None:
        return None
    return {v.strip() for v in value.split(",") if v.strip()}


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


class Registry:
    """Loads plugins and builds stages by name.

    Args:
        plugins: extra plugin objects or modules to register (for tests and embedding),
            given as objects or ``(name, object)`` pairs.
        builtins: load the built-in plugins.
        entry_points: load installed third-party plugins (entry-point group ``sonitus``).
        environ: where to read ``SONITUS_*`` variables (default ``os.environ``).
    """

    def __init__(self, plugins: Iterable[Any] = (), *, builtins: bool = True,
                 entry_points: bool = True, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self._trace = env.get("SONITUS_TRACE", "") not in ("", "0")
        self._disabled = _env_list(env.get("SONITUS_DISABLE_PLUGINS")) or set()
        self._only = _env_list(env.get("SONITUS_LOAD_PLUGINS"))
        self.pm = pluggy.PluginManager("sonitus")
        self.pm.add_hookspecs(hookspecs)
        self._records: dict[str, PluginRecord] = {}
        self._specs: dict[str, StageSpec] = {}
        self._datasets: dict[str, StageSpec] = {}
        self._broken_stages: dict[str, str] = {}
        # what plugin code prints while it loads goes to stderr: stdout carries JSON (stages --json)
        with contextlib.redirect_stdout(sys.stderr):
            if builtins:
                self._load_builtins()
            if entry_points:
                self._load_entry_points()
            for item in plugins:
                name, obj = item if isinstance(item, tuple) else (None, item)
                self.register_plugin(obj, name=name, source="registered", collect=False)
            self._collect()
            self._check_requirements()

    # -- loading -----------------------------------------------------------------------
    def _is_disabled(self, name: str) -> bool:
        return name in self._disabled or _short(name) in self._disabled

    def _load_builtins(self) -> None:
        builtins = importlib.import_module(BUILTIN_PACKAGE)  # by name, as entry points are: core never
        #                                                      depends on a plugin's code
        for module_name in builtins.BUILTIN_PLUGINS:
            if self._is_disabled(module_name):
                continue
            record = PluginRecord(module_name, __version__, "builtin")
            try:
                module = importlib.import_module(module_name)
            except (Exception, SystemExit) as exc:  # a plugin calling sys.exit must not end sonitus
                record.error = f"failed to import: {_describe(exc)}"
                self._records[module_name] = record
                continue
            self._register(module, record)

    def _load_entry_points(self) -> None:
        from importlib.metadata import entry_points

        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if self._is_disabled(ep.name) or (self._only is not None and ep.name not in self._only):
                continue
            if ep.name in self._records:
                continue
            version = getattr(getattr(ep, "dist", None), "version", None)
            record = PluginRecord(ep.name, version, "entrypoint")
            try:
                obj = ep.load()
            except (Exception, SystemExit) as exc:  # a plugin calling sys.exit must not end sonitus
                record.error = f"failed to import: {_describe(exc)}"
                self._records[ep.name] = record
                continue
            self._register(obj, record)

    def register_plugin(self, plugin: Any, *, name: str | None = None, source: str = "registered",
                        collect: bool = True) -> PluginRecord:
        """Register one plugin object or module and collect its stages.

        This is how tests and embedding applications add a plugin without installing it.
        """
        if name is None:
            name = getattr(plugin, "__name__", None) or type(plugin).__name__
        version = getattr(plugin, "__version__", None)
        record = PluginRecord(name, version, source)
        self._register(plugin, record)
        if collect and record.error is None:
            self._collect(only=name)
            self._check_requirements()
        return self._records[name]

    def _register(self, plugin: Any, record: PluginRecord) -> None:
        self._records[record.name] = record
        record.requires = [_normal(n) for n in getattr(plugin, "REQUIRES", ())]
        try:
            self.pm.register(plugin, name=record.name)
        except Exception as exc:  # pluggy validation errors, duplicate names
            record.error = f"failed to register: {type(exc).__name__}: {exc}"
            return
        record.hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or ())

    def _collect(self, only: str | None = None) -> None:
        for hook_kind in STAGE_HOOKS:
            caller = getattr(self.pm.hook, hook_kind.hook)
            for impl in caller.get_hookimpls():
                if only is not None and impl.plugin_name != only:
                    continue
                self._call_register_hook(impl, hook_kind)

    def _call_register_hook(self, impl: Any, hook_kind: HookKind) -> None:
        plugin = impl.plugin_name
        record = self._records[plugin]
        added: list[str] = []

        store, noun = (self._datasets, "dataset") if hook_kind is DATASETS else (self._specs, "stage")

        def register(stage: str | type, factory: Callable[..., Any] | None = None, **metadata: Any) -> None:
            key, factory, consumes, produces, stage_class = _contract(stage, factory, metadata, hook_kind, plugin)
            if key in store and store[key].plugin != plugin:  # the first one stays; the plugin's others load
                record.warnings.append(
                    f"{noun} '{key}' was left out: plugin '{store[key].plugin}' already provides it; "
                    f"rename it or disable one of the plugins with SONITUS_DISABLE_PLUGINS.")
                return
            misfit = _kind_misfit(hook_kind, consumes, produces)
            if misfit:
                record.warnings.append(f"{noun} '{key}' was left out: {misfit}")
                return
            description = metadata.pop("description", None) or _first_line(factory.__doc__)
            store[key] = StageSpec(key, hook_kind.kind, plugin, factory, consumes, produces,
                                   description, MappingProxyType(dict(metadata)), stage_class)
            added.append(key)
            if self._trace:
                print(f"sonitus: {plugin}.{hook_kind.hook} registered {key}", file=sys.stderr)

        try:
            impl.function(register=register)
        except (Exception, SystemExit) as exc:
            message = f"{hook_kind.hook} raised {_describe(exc)}"
            record.error = message if record.error is None else f"{record.error}; {message}"
            for key in added:
                self._broken_stages[key] = plugin
        record.stages.extend(added)

    def _check_requirements(self) -> None:
        """A plugin whose ``REQUIRES`` names a stage no loaded plugin provides (missing, broken
        or disabled) is broken now, with a sentence that says which, instead of failing in the
        middle of a run when it builds that stage."""
        changed = True
        while changed:  # a plugin that needs one made unavailable here is unavailable too
            changed = False
            for record in self._records.values():
                missing = [n for n in record.requires if n not in self._specs or n in self._broken_stages]
                if not missing or record.error:
                    continue
                disabled = (f" (SONITUS_DISABLE_PLUGINS is {','.join(sorted(self._disabled))!r})"
                            if self._disabled else "")
                record.error = (f"needs the stage(s) {', '.join(map(repr, missing))}, which no loaded plugin "
                                f"provides{disabled}; install or enable the plugin that provides them")
                self._broken_stages.update(dict.fromkeys(record.stages, record.name))
                changed = True

    # -- queries -----------------------------------------------------------------------
    def plugins(self) -> list[PluginRecord]:
        """Every plugin that was tried, loaded or not, built-ins first."""
        return list(self._records.values())

    def broken_plugins(self) -> list[PluginRecord]:
        """Plugins that failed to import, register or run a hook."""
        return [r for r in self._records.values() if r.error]

    def models(self) -> list[ModelSpec]:
        """The models every plugin registered through ``register_models`` (a plugin whose hook
        fails gets the error on its record)."""
        found: dict[tuple[str, str], ModelSpec] = {}
        for impl in self.pm.hook.register_models.get_hookimpls():
            plugin = impl.plugin_name

            def register(name: str, *, stage: str, locate: Callable[[], Any], description: str = "",
                         default: bool = False, plugin: str = plugin) -> None:
                if not callable(locate):
                    raise PluginError(f"locate for model '{name}' is not callable.", plugin=plugin)
                found.setdefault((_normal(stage), name), ModelSpec(name, _normal(stage), plugin, description,
                                                                   locate, default))

            try:
                impl.function(register=register)
            except (Exception, SystemExit) as exc:
                record = self._records[plugin]
                message = f"register_models raised {_describe(exc)}"
                if record.error is None or message not in record.error:
                    record.error = message if record.error is None else f"{record.error}; {message}"
        return sorted(found.values(), key=lambda m: (m.stage, not m.default, m.name))

    def specs(self, kind: str | None = None) -> list[StageSpec]:
        """Every registered stage and dataset (or those of one ``kind``), sorted by kind and name."""
        everything = [*self._specs.values(), *self._datasets.values()]
        return sorted((s for s in everything if kind is None or s.kind == kind), key=lambda s: (s.kind, s.name))

    def names(self) -> list[str]:
        """Every stage name, sorted."""
        return sorted(self._specs)

    def __contains__(self, name: str) -> bool:
        return _normal(name) in self._specs

    def spec(self, name: str) -> StageSpec:
        """The registration of the stage called ``name``.

        Raises:
            PluginError: the plugin that provides it is broken.
            UnknownStageError: no plugin provides it; the message lists close matches.
        """
        key = _normal(name)
        if key in self._broken_stages:
            plugin = self._broken_stages[key]
            raise PluginError(f"stage '{key}' is unavailable because plugin '{plugin}' failed: "
                              f"{self._records[plugin].error}", plugin=plugin)
        if key in self._specs:
            return self._specs[key]
        if key in self._datasets:
            raise ParameterError(f"'{key}' is a dataset, not a stage; build it with "
                                 f"get_registry().dataset({key!r}).")
        suggestions = tuple(difflib.get_close_matches(key, list(self._specs), n=4, cutoff=0.6))
        broken = self.broken_plugins()
        if broken and not suggestions:
            names = ", ".join(f"'{r.name}'" for r in broken)
            raise PluginError(
                f"No stage named '{name}'; plugin(s) {names} failed to load and may provide it "
                f"(run `sonitus plugins` to see why).", plugin=broken[0].name)
        hint = (f" Did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions
                else " Run `sonitus stages` to list them.")
        raise UnknownStageError(f"No stage named '{name}'.{hint}", name=name, suggestions=suggestions)

    def stage(self, name: str, **options: Any) -> StageBase:
        """Build the stage called ``name`` with keyword ``options``.

        The stage remembers the call in ``built_by`` (``(name, options)``), so that a
        pipeline of registered stages can be rebuilt elsewhere (another process or machine:
        ``sonitus batch --backend ray``) from names and options alone."""
        spec = self.spec(name)
        stage = _as_stage(self._build(spec, options), spec, options)
        stage.built_by = (spec.name, dict(options))
        return stage

    def dataset(self, name: str, **options: Any) -> Any:
        """Build the dataset called ``name`` (registered with ``register_datasets``)."""
        key = _normal(name)
        if key in self._broken_stages and key not in self._datasets:
            self.spec(key)  # raises the broken plugin's error
        if key not in self._datasets:
            what = (f"'{key}' is a {self._specs[key].kind}, not a dataset" if key in self._specs
                    else f"No dataset named '{name}'")
            close = difflib.get_close_matches(key, list(self._datasets), n=3, cutoff=0.6)
            hint = f"did you mean {', '.join(map(repr, close))}?" if close else \
                "run `sonitus stages --kind dataset` to list the datasets."
            raise ParameterError(f"{what}; {hint}")
        spec = self._datasets[key]
        built = self._build(spec, options)
        missing = missing_members(built)
        if missing:
            raise PluginError(f"plugin '{spec.plugin}': dataset '{key}' built a {type(built).__name__}, which lacks "
                              f"{', '.join(missing)}; a dataset follows sonitus.datasets.Dataset (root, folder, "
                              f"build, load).", plugin=spec.plugin)
        return built

    def _build(self, spec: StageSpec, options: Mapping[str, Any]) -> Any:
        accepted = spec.options()
        takes_any = _takes_var_keyword(spec.factory)
        unknown = [k for k in options if k not in accepted] if not takes_any else []
        if unknown:
            listing = ", ".join(accepted) or "no options"
            raise ParameterError(f"Stage '{spec.name}' has no option {', '.join(map(repr, unknown))}; "
                                 f"it takes: {listing}.")
        missing = [k for k, v in accepted.items() if v is inspect.Parameter.empty and k not in options]
        if missing:
            raise ParameterError(f"Stage '{spec.name}' needs the option(s) {', '.join(missing)}.")
        try:
            return spec.factory(**options)
        except SonitusError:
            raise
        except (Exception, SystemExit) as exc:
            raise PluginError(f"plugin '{spec.plugin}' failed to build stage '{spec.name}': "
                              f"{_describe(exc)}", plugin=spec.plugin) from exc

    def add_commands(self, cli: Any) -> None:
        """Let every plugin add its CLI sub-commands to ``cli`` (failures are recorded). A command
        that would replace one already there (``info``, ``train asr``) is put back and the
        plugin's record says so: the first one stays, as for stage names."""
        for impl in self.pm.hook.register_commands.get_hookimpls():
            before = _command_tree(cli)
            try:
                with contextlib.redirect_stdout(sys.stderr):
                    impl.function(cli=cli)
            except (Exception, SystemExit) as exc:
                record = self._records[impl.plugin_name]
                message = f"register_commands raised {_describe(exc)}"
                record.error = message if record.error is None else f"{record.error}; {message}"
            for (group, name), command in before.items():
                if group.commands.get(name) is not command:
                    group.commands[name] = command
                    path = f"{group.name} {name}" if group is not cli else name
                    self._records[impl.plugin_name].warnings.append(
                        f"command 'sonitus {path}' was left out: another plugin (or sonitus) has it.")


def _command_tree(cli: Any) -> dict[tuple[Any, str], Any]:
    """``(group, name) -> command`` for the commands of ``cli`` and of its sub-groups."""
    tree = {}
    for name, command in cli.commands.items():
        tree[(cli, name)] = command
        for sub, inner in getattr(command, "commands", {}).items():
            tree[(command, sub)] = inner
    return tree


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"SystemExit: the plugin called sys.exit({exc.code!r})"
    return f"{type(exc).__name__}: {exc}"


def _first_line(doc: str | None) -> str:
    """A docstring's first paragraph as one line of plain text (reST's ``literal`` marks dropped)."""
    if not doc or not doc.strip():
        return ""
    paragraph = doc.strip().split("\n\n")[0]
    return " ".join(paragraph.split()).replace("``", "")


def _takes_var_keyword(factory: Callable[..., Any]) -> bool:
    try:
        return any(p.kind is p.VAR_KEYWORD for p in inspect.signature(factory).parameters.values())
    except (TypeError, ValueError):
        return True


def _as_stage(built: Any, spec: StageSpec, options: Mapping[str, Any]) -> StageBase:
    """What a stage factory returned, as a stage named and typed by its spec. A StageBase must
    agree with the spec (the class registered, or the types given to ``register``): the types of
    a stage are stated in one place."""
    if isinstance(built, StageBase):
        if spec.stage_class is not None and not isinstance(built, spec.stage_class):
            raise PluginError(f"plugin '{spec.plugin}': stage '{spec.name}' is registered as "
                              f"{spec.stage_class.__name__} but its factory built a {type(built).__name__}.",
                              plugin=spec.plugin)
        for attr in ("consumes", "produces"):  # an instance may narrow its registration, never widen it
            own, stated = getattr(built, attr), getattr(spec, attr)
            if own is object:
                setattr(built, attr, stated)
            elif not types_fit(own, stated):
                raise PluginError(
                    f"plugin '{spec.plugin}': stage '{spec.name}' is registered as {spec.signature} but its "
                    f"factory built a {type(built).__name__} that {attr} {type_name(own)}; state the types once: "
                    f"on the class, registered itself (register({type(built).__name__})).", plugin=spec.plugin)
        if getattr(built, "name", StageBase.name) == StageBase.name:
            built.name = spec.name
        return built
    if not callable(built):
        raise PluginError(f"plugin '{spec.plugin}': the factory of stage '{spec.name}' returned "
                          f"{type(built).__name__}, which is not callable.", plugin=spec.plugin)
    return as_stage(built, name=spec.name, consumes=spec.consumes, produces=spec.produces, options=options)


def _contract(stage: str | type, factory: Callable[..., Any] | None, metadata: dict[str, Any], hook_kind: HookKind,
              plugin: str) -> tuple[str, Callable[..., Any], Any, Any, type | None]:
    """``(name, factory, consumes, produces, stage class)`` of one ``register`` call: a StageBase
    subclass states its own name and types; a plain function takes them from ``register``'s
    arguments or the hook's defaults."""
    if isinstance(stage, type) and not issubclass(stage, StageBase):
        raise PluginError(f"register() was given the class {stage.__name__} without a name; a class registered "
                          f"alone must be a sonitus StageBase (it names itself), else use register(name, factory).",
                          plugin=plugin)
    stage_class = next((c for c in (stage, factory) if isinstance(c, type) and issubclass(c, StageBase)), None)
    if stage_class is None:  # a plain function (or a class that is not a stage: a dataset)
        if not isinstance(stage, str):
            raise PluginError(f"register() takes a StageBase subclass or a name and a factory, not {stage!r}.",
                              plugin=plugin)
        if not callable(factory):
            raise PluginError(f"the factory registered for '{_normal(stage)}' is not callable.", plugin=plugin)
        return (_normal(stage), factory, metadata.pop("consumes", hook_kind.consumes),
                metadata.pop("produces", hook_kind.produces), None)
    stated = [k for k in ("consumes", "produces") if k in metadata]
    if stated:
        raise PluginError(f"register() was given {' and '.join(f'{k}=' for k in stated)} for "
                          f"{stage_class.__name__}, which states its own types; drop them from register() and "
                          f"set them on the class.", plugin=plugin)
    name = stage if isinstance(stage, str) else stage_class.name
    if name == StageBase.name:
        raise PluginError(f"{stage_class.__name__} has no name; set its class attribute name = '...'.", plugin=plugin)
    if isinstance(stage, str) and stage_class.name not in (StageBase.name, stage):
        raise PluginError(f"{stage_class.__name__} is named '{stage_class.name}' but registered as '{stage}'; "
                          f"register(StageClass) takes the class's name.", plugin=plugin)
    built_by = stage_class if factory is None else factory
    if not callable(built_by):
        raise PluginError(f"the factory registered for '{_normal(name)}' is not callable.", plugin=plugin)
    # a class that leaves a type at StageBase's "any" takes the hook's default, as a function does
    consumes = hook_kind.consumes if stage_class.consumes is object else stage_class.consumes
    produces = hook_kind.produces if stage_class.produces is object else stage_class.produces
    return _normal(name), built_by, consumes, produces, stage_class


def _kind_misfit(hook_kind: HookKind, consumes: Any, produces: Any) -> str | None:
    """Why a stage of these types is not of ``hook_kind``, or None when it is."""
    shown = f"{type_name(consumes)} -> {type_name(produces)}"
    if not types_fit(produces, hook_kind.may_produce):
        return (f"it produces {type_name(produces)} ({shown}), and a {hook_kind.kind} produces "
                f"{type_name(hook_kind.may_produce)}; register it with the hook of its kind, or register_io.")
    ins, allowed = as_tuple(consumes), as_tuple(hook_kind.may_consume)
    if not any(types_fit(a, i) or types_fit(i, a) for a in allowed for i in ins):
        return (f"it consumes {type_name(consumes)} ({shown}), and a {hook_kind.kind} consumes "
                f"{type_name(hook_kind.may_consume)}; register it with the hook of its kind, or register_io.")
    return None


# -- the default registry ----------------------------------------------------------------
_default: Registry | None = None
_lock = threading.Lock()


def get_registry() -> Registry:
    """The process-wide registry, built on first use."""
    global _default
    with _lock:
        if _default is None:
            _default = Registry()
        return _default


def set_registry(registry: Registry | None) -> Registry | None:
    """Replace the process-wide registry (``None``: rebuild on next use); returns the old one."""
    global _default
    with _lock:
        old, _default = _default, registry
        return old


def reset_registry() -> None:
    """Forget the process-wide registry, e.g. after changing ``SONITUS_*`` variables."""
    set_registry(None)


