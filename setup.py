"""Maps the repository onto the import names (see pyproject.toml).

``core/`` is ``sonitus``. ``plugins/`` and ``dsl/`` are the sub-packages ``sonitus.plugins``
and ``sonitus.dsl``, reached through the symbolic links ``core/plugins`` and ``core/dsl``, so
that ``core/`` is the whole package on disk (import-linter and other tools that walk a
package's folder see every module). Every sub-package is found automatically, data folders
such as ``weights/`` and ``recipes/`` too (as namespace packages, so that setuptools ships
their files without a warning).
"""

from setuptools import find_namespace_packages, setup

subpackages = find_namespace_packages(where="core", exclude=["*__pycache__*", "__pycache__"])
setup(packages=["sonitus", *(f"sonitus.{sub}" for sub in subpackages)], package_dir={"sonitus": "core"})
